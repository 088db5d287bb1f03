"""The routing state a worker serves from, swapped whole so a request never sees half a change."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from strangler_proxy.routing.matching import Matcher
from strangler_proxy.routing.model import RouteSpec, RouteState, RouteTable
from strangler_proxy.store.base import Snapshot

__all__ = ["RoutingState", "StateHolder"]


@dataclass(frozen=True, slots=True)
class RoutingState:
    """A validated route table, its matcher and the store snapshot applied on top."""

    table: RouteTable
    matcher: Matcher
    snapshot: Snapshot

    @property
    def version(self) -> int:
        """Return the applied store version."""
        return self.snapshot.version

    def state_of(self, route: RouteSpec) -> RouteState:
        """Return the route's effective state."""
        return self.snapshot.states.get(route.id, route.initial)


class StateHolder:
    """Hold the current RoutingState; every change replaces it in one assignment."""

    def __init__(self, table: RouteTable, snapshot: Snapshot | None = None) -> None:
        self.current = RoutingState(table, Matcher(table.routes), snapshot or Snapshot())
        self.last_reload_error: list[str] | None = None
        self._snapshot_listeners: list[Callable[[Snapshot], None]] = []
        self._table_listeners: list[Callable[[RouteTable], None]] = []

    def on_snapshot(self, listener: Callable[[Snapshot], None]) -> None:
        """Call `listener` after every applied snapshot."""
        self._snapshot_listeners.append(listener)

    def on_table(self, listener: Callable[[RouteTable], None]) -> None:
        """Call `listener` after every applied route table."""
        self._table_listeners.append(listener)

    def apply_snapshot(self, snapshot: Snapshot, *, allow_older: bool = False) -> bool:
        """Serve from this snapshot if it is newer (or the store was reset); return whether applied."""
        current = self.current
        if snapshot.version == current.snapshot.version and not allow_older:
            return False
        if snapshot.version < current.snapshot.version and not allow_older:
            return False
        self.current = RoutingState(current.table, current.matcher, snapshot)
        for listener in self._snapshot_listeners:
            listener(snapshot)
        return True

    def apply_table(self, table: RouteTable) -> None:
        """Serve from a new, already validated route table."""
        current = self.current
        self.current = RoutingState(table, Matcher(table.routes), current.snapshot)
        self.last_reload_error = None
        for listener in self._table_listeners:
            listener(table)
