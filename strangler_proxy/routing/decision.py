"""Where one request goes: the route's mode, the kill switch, canary buckets and QA overrides.

    kill switch on             -> monolith, for every route (overrides ignored)
    valid override             -> the side it names (monolith, or the route's extracted backend)
    monolith                   -> monolith
    shadow                     -> monolith, and a mirror to the extracted backend
    canary P%                  -> extracted for users whose bucket < P*100, else monolith
    extracted                  -> extracted
    retired                    -> nothing: 410

Whenever the extracted backend serves a request, the monolith is its fallback. With the
route's reverse shadow on ([routes.shadow] reverse = true), a request the extracted backend
serves by mode (canary or extracted, not an override) is also mirrored to the monolith
(`mirror = "monolith"`), whose answer is compared against the extracted one.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from strangler_proxy.routing.canary import in_canary
from strangler_proxy.routing.model import DEFAULT_ROUTE_ID, MONOLITH, Mode, RouteSpec, RouteState
from strangler_proxy.routing.overrides import Override
from strangler_proxy.routing.user_key import UserKey

__all__ = ["Decision", "decide"]


@dataclass(frozen=True, slots=True)
class Decision:
    """The backend to use (None: retired), its fallback, the mirror target and why.

    `mirror` is the route's extracted backend (shadow) or MONOLITH (the reverse shadow).
    """

    route_id: str
    backend: str | None
    fallback: str | None = None
    mirror: str | None = None
    reason: str = "mode"
    user_key: UserKey | None = None


def decide(
    route: RouteSpec | None,
    state: RouteState | None,
    *,
    kill_switch: bool,
    user_key: Callable[[], UserKey],
    override: Callable[[], Override | None],
) -> Decision:
    """Decide a request's backend; `user_key` and `override` are only called when needed."""
    if route is None or state is None:
        return Decision(DEFAULT_ROUTE_ID, MONOLITH, reason="unrouted")
    if kill_switch:
        return Decision(route.id, MONOLITH, reason="kill_switch")
    forced = override()
    if forced is not None and forced.applies_to(route.id):
        if forced.target == "extracted" and route.backend is not None:
            return Decision(route.id, route.backend, fallback=MONOLITH, reason="override")
        if forced.target == "monolith":
            return Decision(route.id, MONOLITH, reason="override")
    mode = state.mode
    if mode is Mode.MONOLITH or route.backend is None:
        if mode is Mode.RETIRED:
            return Decision(route.id, None, reason="retired")
        return Decision(route.id, MONOLITH)
    if mode is Mode.SHADOW:
        return Decision(route.id, MONOLITH, mirror=route.backend)
    reverse = MONOLITH if route.shadow is not None and route.shadow.reverse else None
    if mode is Mode.CANARY:
        key = user_key()
        if in_canary(route.id, key.value, state.percent_bp):
            return Decision(route.id, route.backend, fallback=MONOLITH, mirror=reverse, reason="canary",
                            user_key=key)
        return Decision(route.id, MONOLITH, reason="canary", user_key=key)
    if mode is Mode.EXTRACTED:
        return Decision(route.id, route.backend, fallback=MONOLITH, mirror=reverse)
    return Decision(route.id, None, reason="retired")
