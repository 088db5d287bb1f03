"""Which shadowed exchanges the shadow takes: the first decisions, made in the proxy worker.

Both mirrors make them the same way, on the request path, before anything is sent: the
in-process `ComparingMirror` and the worker's side of the shadow sidecar. A refused
exchange is counted as (strangler_mirror_total outcome, results counter); the rest
(in-flight caps, a target known to be down, the noise probe) is decided where the
exchange is sent.

An exchange of the reverse shadow (`request.mirror_to == "monolith"`: the extracted backend
answered, the monolith is asked too) is only ever a safe request, and is refused when the
monolith answered it as a fallback. On a route with the reverse shadow on, an exchange
whose direction the forwarder does not say is refused rather than compared blind.
"""
from __future__ import annotations

from collections.abc import Callable

from strangler_proxy.mirror import MirroredRequest, MirroredResponse
from strangler_proxy.routing.model import MONOLITH, SAFE_METHODS, RouteSpec
from strangler_proxy.shadow.config import ShadowSettings
from strangler_proxy.shadow.policy import ShadowPolicy

__all__ = ["BODY_TOO_LARGE", "DIRECTION_UNKNOWN", "FALLBACK", "NO_BACKEND", "SAMPLED_OUT", "UNSAFE_METHOD",
           "Refusal", "admit"]

Refusal = tuple[str, str]  # (strangler_mirror_total outcome, results counter)

NO_BACKEND: Refusal = ("skipped", "skipped.no_backend")
BODY_TOO_LARGE: Refusal = ("skipped", "skipped.body_too_large")
UNSAFE_METHOD: Refusal = ("skipped", "skipped.unsafe_method")
SAMPLED_OUT: Refusal = ("sampled_out", "sampled_out")
FALLBACK: Refusal = ("skipped", "skipped.fallback")
DIRECTION_UNKNOWN: Refusal = ("skipped", "skipped.direction_unknown")
_NO_POLICY = ShadowPolicy()


def admit(route: RouteSpec, request: MirroredRequest, primary: MirroredResponse, *,
          chosen: Callable[[float], bool], settings: ShadowSettings,
          is_dry_run: Callable[[str], bool], can_record: bool = True) -> tuple[bool, Refusal | None]:
    """Return (record it to HAR?, why it is not mirrored, or None when it is to be mirrored)."""
    policy = route.shadow or _NO_POLICY
    record = can_record and chosen(_pick(policy.record_percent, settings.record_percent))
    if route.backend is None:
        return record, NO_BACKEND
    reverse = request.mirror_to == MONOLITH
    if reverse and primary.backend == MONOLITH:
        return record, FALLBACK  # the extracted side failed and the monolith answered: nothing to compare
    if request.mirror_to is None and policy.reverse:
        return record, DIRECTION_UNKNOWN
    if request.body_truncated or primary.body_truncated or primary.body is None:
        return record, BODY_TOO_LARGE
    if request.method not in SAFE_METHODS and (reverse or not is_dry_run(route.backend)):
        return record, UNSAFE_METHOD
    if not chosen(_pick(policy.sample_percent, settings.sample_percent)):
        return record, SAMPLED_OUT
    return record, None


def _pick(value: float | None, default: float) -> float:
    return default if value is None else value
