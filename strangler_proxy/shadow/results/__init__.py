"""Per-route shadow results shared by every proxy worker, kept next to the route store.

    open_results(settings, store)  ->  MemoryResults    for an in-memory route store (tests)
                                       SqliteResults    beside a SQLite route store: <name>.results.sqlite3
                                       RedisResults     in the route store's Redis, prefix <prefix>results:
"""
from __future__ import annotations

from pathlib import Path

from strangler_proxy.config import ProxySettings
from strangler_proxy.shadow.results.base import ResultsStore
from strangler_proxy.shadow.results.model import (
    FieldResult,
    ResultsBatch,
    RouteData,
    RouteResults,
    Sample,
    signature_of,
    summarise,
)

__all__ = [
    "FieldResult",
    "ResultsBatch",
    "ResultsStore",
    "RouteData",
    "RouteResults",
    "Sample",
    "open_results",
    "results_path",
    "signature_of",
    "summarise",
]


def results_path(route_store_path: Path) -> Path:
    """Return the results file beside a SQLite route store."""
    return route_store_path.with_name(f"{route_store_path.stem}.results{route_store_path.suffix or '.sqlite3'}")


def open_results(settings: ProxySettings, route_store_kind: str, *, keep_samples: int = 3) -> ResultsStore:
    """Open the results store that goes with the route store of this kind ("memory", "sqlite", "redis")."""
    if route_store_kind == "memory":
        from strangler_proxy.shadow.results.memory import MemoryResults

        return MemoryResults(keep_samples=keep_samples)
    if route_store_kind == "redis":
        from strangler_proxy.shadow.results.redis import RedisResults

        return RedisResults(settings.store_url, prefix=f"{settings.redis_prefix}results:", keep_samples=keep_samples)
    from strangler_proxy.shadow.results.sqlite import SqliteResults

    return SqliteResults(results_path(settings.sqlite_path), keep_samples=keep_samples)
