"""An in-process store for unit tests and single-process experiments."""
from __future__ import annotations

import threading

from strangler_proxy.routing.model import RouteState
from strangler_proxy.store.base import KILL_SWITCH, AuditEntry, Snapshot, utc_now

__all__ = ["MemoryStore"]


class MemoryStore:
    """Keep states and the audit log in memory; `wait_for_change` wakes on every change."""

    kind = "memory"

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._version = 0
        self._states: dict[str, RouteState] = {}
        self._kill_switch = False
        self._audit: list[AuditEntry] = []

    def snapshot(self) -> Snapshot:
        with self._changed:
            return Snapshot(self._version, dict(self._states), self._kill_switch)

    def version(self) -> int:
        with self._changed:
            return self._version

    def set_route_state(
        self, *, route_id: str, state: RouteState, default: RouteState, actor: str, reason: str
    ) -> AuditEntry:
        with self._changed:
            before = self._states.get(route_id, default)
            self._states[route_id] = state
            return self._record(route_id, before.as_dict(), state.as_dict(), actor, reason)

    def set_kill_switch(self, *, on: bool, actor: str, reason: str) -> AuditEntry:
        with self._changed:
            before = {"on": self._kill_switch}
            self._kill_switch = on
            return self._record(KILL_SWITCH, before, {"on": on}, actor, reason)

    def _record(self, subject: str, before: dict, after: dict, actor: str, reason: str) -> AuditEntry:
        self._version += 1
        entry = AuditEntry(self._version, utc_now(), actor, subject, before, after, reason)
        self._audit.append(entry)
        self._changed.notify_all()
        return entry

    def history(self, *, subject: str | None = None, limit: int = 50) -> list[AuditEntry]:
        with self._changed:
            entries = [e for e in reversed(self._audit) if subject is None or e.subject == subject]
        return entries[:limit]

    def wait_for_change(self, timeout: float) -> None:
        with self._changed:
            self._changed.wait(timeout)

    def close(self) -> None:
        with self._changed:
            self._changed.notify_all()
