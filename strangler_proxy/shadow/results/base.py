"""What every results store offers: add a worker's batch, read a route's totals and examples, reset.

Stores are synchronous (the proxy calls them off the event loop, from its flusher) and
bounded: at most MAX_SIGNATURES_PER_ROUTE distinct sets of differing fields per route and
source (the rest are counted under OVERFLOW, which always counts as a mismatch),
MAX_FIELDS_PER_ROUTE counted fields, and `keep_samples` examples per set of fields, newest first.

A store keeps each route's sources (shadow, reverse, replay) under their own keys
(model.source_key); `KeyedResults` turns those into the route-level reads everyone uses.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from strangler_proxy.shadow.results.model import (
    SOURCES,
    ResultsBatch,
    RouteData,
    Sample,
    merge_sources,
    source_key,
    split_key,
)

__all__ = ["KeyedResults", "ResultsStore"]


class ResultsStore(Protocol):
    """Per-route shadow results shared by every worker process."""

    kind: str

    def apply(self, batch: ResultsBatch) -> None:
        """Add a batch to the totals, atomically."""

    def routes(self) -> list[str]:
        """Return the routes with any results, sorted."""

    def route_data(self, route: str, *, source: str | None = None) -> RouteData:
        """Return a route's totals, every source added (each kept in `sources`), or one source's."""

    def samples(self, route: str, *, limit: int = 20) -> list[Sample]:
        """Return a route's kept examples, every source's, newest first."""

    def reset(self, route: str) -> None:
        """Forget everything about a route, every source (start counting evidence again)."""

    def close(self) -> None:
        """Release connections."""


class KeyedResults:
    """The route-level reads of a store that keeps each route and source under its own key."""

    def _keys(self) -> list[str]:
        """Return every key with results."""
        raise NotImplementedError

    def _read(self, keys: Sequence[str]) -> list[RouteData]:
        """Return the data under each key, in one consistent read."""
        raise NotImplementedError

    def _samples_of(self, keys: Sequence[str], limit: int) -> list[Sample]:
        """Return up to `limit` newest examples under each key."""
        raise NotImplementedError

    def _forget(self, keys: Sequence[str]) -> None:
        """Delete everything under the keys, atomically."""
        raise NotImplementedError

    def routes(self) -> list[str]:
        return sorted({split_key(key)[0] for key in self._keys()})

    def route_data(self, route: str, *, source: str | None = None) -> RouteData:
        if source is not None:
            [data] = self._read([source_key(route, source)])
            data.route = route
            return data
        parts = self._read([source_key(route, s) for s in SOURCES])
        return merge_sources(route, dict(zip(SOURCES, parts, strict=True)))

    def samples(self, route: str, *, limit: int = 20) -> list[Sample]:
        every = self._samples_of([source_key(route, s) for s in SOURCES], limit)
        every.sort(key=lambda s: s.at, reverse=True)
        return every[:limit]

    def reset(self, route: str) -> None:
        self._forget([source_key(route, s) for s in SOURCES])
