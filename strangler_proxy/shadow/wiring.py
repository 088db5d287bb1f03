"""The proxy's default mirror: comparing, recording, configured from the environment.

With results every worker shares (SQLite, Redis) the work runs in a sidecar process per
worker (sidecar_mirror.py) unless STRANGLER_SHADOW_SIDECAR=0; with in-memory results (tests
and embedded use) it can only run in the worker itself (comparing_mirror.py).
"""
from __future__ import annotations

from strangler_proxy.config import ProxySettings
from strangler_proxy.forwarding.upstream import Upstream
from strangler_proxy.metrics import ProxyMetrics
from strangler_proxy.mirror import Mirror
from strangler_proxy.replay.recorder import HarRecorder
from strangler_proxy.shadow.comparing_mirror import ComparingMirror
from strangler_proxy.shadow.config import ShadowSettings
from strangler_proxy.shadow.results.base import ResultsStore
from strangler_proxy.shadow.sidecar_mirror import SidecarMirror

__all__ = ["comparing_mirror"]


def comparing_mirror(upstream: Upstream, metrics: ProxyMetrics, results: ResultsStore,
                     settings: ProxySettings, shadow: ShadowSettings | None = None) -> Mirror:
    """Build the mirror a proxy worker runs (the results store is the caller's to close)."""
    shadow = shadow or ShadowSettings.from_env()
    if shadow.sidecar and results.kind != "memory":
        return SidecarMirror(upstream, metrics, results.kind, settings, shadow)
    recorder = HarRecorder(shadow.record_dir, entries_per_file=shadow.record_entries,
                           max_age_seconds=shadow.record_seconds)
    return ComparingMirror(upstream, metrics, results, shadow, body_limit=settings.mirror_body_limit,
                           recorder=recorder)
