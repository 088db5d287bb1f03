"""Which exchanges the shadow takes, and how many it has in flight.

Sampling draws from an injectable random source (tests pass a fixed one). The in-flight
count is per worker, per route and in all: past either cap an exchange is dropped at once
(and counted), never queued, so a slow or dead extracted service costs the request path
nothing but a counter.
"""
from __future__ import annotations

import random
from collections.abc import Callable

__all__ = ["InFlight", "Sampler"]


class Sampler:
    """Say yes to a given percentage of draws."""

    def __init__(self, rng: Callable[[], float] = random.random) -> None:
        self._rng = rng

    def chosen(self, percent: float) -> bool:
        """Return True for `percent` % of calls (always at 100, never at 0)."""
        if percent >= 100:
            return True
        if percent <= 0:
            return False
        return self._rng() * 100 < percent


class InFlight:
    """Count exchanges in flight, per route and in all, refusing past the caps."""

    def __init__(self, total_cap: int) -> None:
        self.total_cap = total_cap
        self.total = 0
        self._by_route: dict[str, int] = {}

    def try_acquire(self, route: str, route_cap: int | None = None) -> bool:
        """Take a slot for the route; return False (take nothing) when a cap is reached."""
        current = self._by_route.get(route, 0)
        if self.total >= self.total_cap or (route_cap is not None and current >= route_cap):
            return False
        self.total += 1
        self._by_route[route] = current + 1
        return True

    def release(self, route: str) -> None:
        """Give a slot back."""
        self.total -= 1
        left = self._by_route.get(route, 1) - 1
        if left > 0:
            self._by_route[route] = left
        else:
            self._by_route.pop(route, None)

    def of(self, route: str) -> int:
        """Return the route's exchanges in flight."""
        return self._by_route.get(route, 0)
