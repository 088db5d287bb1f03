"""What every route store offers, and the records it keeps.

A store holds each flipped route's state and the kill switch under one version number that
grows by one with every change, and appends an audit entry (actor, time, before, after,
reason) in the same atomic step. Routes never flipped keep the initial mode of the route
file. Stores are synchronous; the proxy calls them off the event loop.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from strangler_proxy.routing.model import RouteState

__all__ = ["KILL_SWITCH", "AuditEntry", "RouteStore", "Snapshot", "utc_now"]

# The audit log's subject for kill-switch changes.
KILL_SWITCH = "kill-switch"


def utc_now() -> str:
    """Return the current time as an ISO 8601 UTC timestamp."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything the data plane needs from the store, at one version."""

    version: int = 0
    states: Mapping[str, RouteState] = field(default_factory=dict)
    kill_switch: bool = False


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One change: the version it produced, who, when, what it was, what it became and why."""

    version: int
    at: str
    actor: str
    subject: str
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    reason: str

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {"version": self.version, "at": self.at, "actor": self.actor, "subject": self.subject,
                "before": dict(self.before), "after": dict(self.after), "reason": self.reason}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditEntry:
        """Build an entry from `as_dict` output."""
        return cls(int(data["version"]), str(data["at"]), str(data["actor"]), str(data["subject"]),
                   dict(data["before"]), dict(data["after"]), str(data["reason"]))


class RouteStore(Protocol):
    """Runtime route states, the kill switch and their audit log."""

    kind: str

    def snapshot(self) -> Snapshot:
        """Return the states, kill switch and version, read atomically."""

    def version(self) -> int:
        """Return the current version cheaply (the watchers poll it)."""

    def set_route_state(
        self, *, route_id: str, state: RouteState, default: RouteState, actor: str, reason: str
    ) -> AuditEntry:
        """Change a route's state; `default` is its state if it was never flipped."""

    def set_kill_switch(self, *, on: bool, actor: str, reason: str) -> AuditEntry:
        """Turn the global kill switch on or off."""

    def history(self, *, subject: str | None = None, limit: int = 50) -> list[AuditEntry]:
        """Return audit entries, newest first, optionally for one route or the kill switch."""

    def wait_for_change(self, timeout: float) -> None:
        """Block up to `timeout` seconds, returning early when the store may have changed."""

    def close(self) -> None:
        """Release connections and wake a thread blocked in `wait_for_change`."""
