"""The control plane: flips and the kill switch, checked against the route table, written to the store.

The CLI and the admin API both go through these functions, so a flip is validated the same
way wherever it comes from, and always lands in the audit log. Both pass `evidence`, the
shadow's cut-over gate (strangler_proxy/shadow/gate.py): a flip to `extracted` it refuses
needs `force`, and then the audit log says what was overridden.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from strangler_proxy.errors import FlipRefused, UnknownRoute
from strangler_proxy.routing.canary import format_percent, parse_percent
from strangler_proxy.routing.model import Mode, RouteSpec, RouteState, RouteTable
from strangler_proxy.store.base import AuditEntry, RouteStore, Snapshot

__all__ = ["effective_state", "kill_switch_set", "route_flip", "route_rows"]

_MAX_REASON = 500


def effective_state(route: RouteSpec, snapshot: Snapshot) -> RouteState:
    """Return the route's state: the last flip, else the route file's initial mode."""
    return snapshot.states.get(route.id, route.initial)


def route_flip(
    *,
    table: RouteTable,
    store: RouteStore,
    route_id: str,
    mode: str,
    percent: object | None = None,
    actor: str,
    reason: str,
    evidence: Callable[[RouteSpec], str | None] | None = None,
    force: bool = False,
) -> AuditEntry:
    """Change a route's mode; raise FlipRefused (or UnknownRoute) saying why it is not allowed.

    `evidence(route)` returns None when a flip to `extracted` may go ahead, else why not.
    """
    route = table.route(route_id)
    if route is None:
        known = ", ".join(r.id for r in table.routes) or "none"
        raise UnknownRoute(f"unknown route {route_id!r} (known: {known})")
    try:
        new_mode = Mode(mode)
    except ValueError:
        raise FlipRefused(f"unknown mode {mode!r}: use one of {', '.join(m.value for m in Mode)}") from None
    percent_bp = 0
    if new_mode is Mode.CANARY:
        if percent is None:
            raise FlipRefused("a canary flip needs a percentage (0.01 to 100, e.g. --percent 5)")
        try:
            percent_bp = parse_percent(percent)
        except ValueError as error:
            raise FlipRefused(f"percent: {error}") from None
    elif percent is not None:
        raise FlipRefused(f"a percentage only applies to mode 'canary', not {new_mode.value!r}")
    if new_mode.needs_backend and route.backend is None:
        raise FlipRefused(f"route {route.id!r} has no extracted backend in {table.source}: "
                          f"it cannot go to {new_mode.value!r}")
    actor, reason = _who_and_why(actor, reason)
    refusal = evidence(route) if evidence is not None and new_mode is Mode.EXTRACTED else None
    if refusal is not None:
        if not force:
            raise FlipRefused(f"{refusal}; use --force with a reason to flip anyway")
        reason = f"{reason} [forced past the evidence gate: {refusal}]"
    return store.set_route_state(route_id=route.id, state=RouteState(new_mode, percent_bp),
                                 default=route.initial, actor=actor, reason=reason)


def kill_switch_set(*, store: RouteStore, on: bool, actor: str, reason: str) -> AuditEntry:
    """Turn the kill switch on (everything to the monolith) or off."""
    actor, reason = _who_and_why(actor, reason)
    return store.set_kill_switch(on=on, actor=actor, reason=reason)


def _who_and_why(actor: str, reason: str) -> tuple[str, str]:
    reason = (reason or "").strip()
    actor = (actor or "").strip()
    if not reason:
        raise FlipRefused("a reason is required: it goes into the audit log")
    if len(reason) > _MAX_REASON:
        raise FlipRefused(f"the reason is longer than {_MAX_REASON} characters")
    if not actor:
        raise FlipRefused("an actor is required: it goes into the audit log")
    return actor[:200], reason


def route_rows(table: RouteTable, snapshot: Snapshot) -> list[dict[str, Any]]:
    """Return every route with its effective state, for listings."""
    rows = []
    for route in table.routes:
        state = effective_state(route, snapshot)
        rows.append({
            "id": route.id,
            "context": route.context,
            "methods": sorted(route.methods) if route.methods is not None else ["*"],
            "paths": list(route.paths),
            "backend": route.backend,
            "mode": state.mode.value,
            "percent": format_percent(state.percent_bp) if state.mode is Mode.CANARY else None,
            "flipped": route.id in snapshot.states,
            "idempotent": route.idempotent,
        })
    return rows
