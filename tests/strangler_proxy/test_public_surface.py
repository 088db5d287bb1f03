"""The proxy's public names are exported on purpose; this pins them."""
from __future__ import annotations

import importlib

import pytest

SURFACE = {
    "strangler_proxy.errors": {"BackendUnavailable", "BadPath", "BodyTooLarge", "ConfigError", "FlipRefused",
                               "InvalidRequest", "NotFound", "ProxyError", "RouteRetired", "RouteTableError",
                               "StoreError", "StoreUnavailable", "StranglerError", "Unauthorized", "UnknownRoute",
                               "UpstreamError", "UpstreamTimeout", "UpstreamUnreachable"},
    "strangler_proxy.routing.canary": {"BUCKETS", "bucket", "format_percent", "in_canary", "parse_percent"},
    "strangler_proxy.routing.paths": {"Target", "canonical_target"},
    "strangler_proxy.routing.matching": {"Match", "Matcher", "Pattern", "compile_pattern", "pattern_segments"},
    "strangler_proxy.routing.overrides": {"MAX_TTL_SECONDS", "OVERRIDE_COOKIE", "OVERRIDE_HEADER", "TARGETS",
                                          "Override", "override_read", "override_token_create"},
    "strangler_proxy.routing.decision": {"Decision", "decide"},
    "strangler_proxy.store": {"AuditEntry", "RouteStore", "Snapshot", "open_store"},
    "strangler_proxy.forwarding.circuit": {"CLOSED", "HALF_OPEN", "OPEN", "STATE_VALUES", "CircuitBreaker"},
    "strangler_proxy.mirror": {"BackendMirror", "Mirror", "MirroredRequest", "MirroredResponse", "NullMirror",
                               "WireHeaders", "answer_headers", "request_headers"},
    "strangler_proxy.server": {"create_app"},
}


@pytest.mark.parametrize("module", sorted(SURFACE))
def test_each_public_module_exports_exactly_its_surface(module: str) -> None:
    loaded = importlib.import_module(module)
    assert set(loaded.__all__) == SURFACE[module]
    for name in loaded.__all__:
        assert hasattr(loaded, name)
