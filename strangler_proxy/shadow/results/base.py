"""What every results store offers: add a worker's batch, read a route's totals and examples, reset.

Stores are synchronous (the proxy calls them off the event loop, from its flusher) and
bounded: at most MAX_SIGNATURES_PER_ROUTE distinct sets of differing fields per route (the
rest are counted under OVERFLOW, which always counts as a mismatch), MAX_FIELDS_PER_ROUTE
counted fields, and `keep_samples` examples per set of fields, newest first.
"""
from __future__ import annotations

from typing import Protocol

from strangler_proxy.shadow.results.model import ResultsBatch, RouteData, Sample

__all__ = ["ResultsStore"]


class ResultsStore(Protocol):
    """Per-route shadow results shared by every worker process."""

    kind: str

    def apply(self, batch: ResultsBatch) -> None:
        """Add a batch to the totals, atomically."""

    def routes(self) -> list[str]:
        """Return the routes with any results, sorted."""

    def route_data(self, route: str) -> RouteData:
        """Return a route's totals (empty if it has none)."""

    def samples(self, route: str, *, limit: int = 20) -> list[Sample]:
        """Return a route's kept examples, newest first."""

    def reset(self, route: str) -> None:
        """Forget everything about a route (start counting evidence again)."""

    def close(self) -> None:
        """Release connections."""
