"""Where the dashboard's time series live: beside the route store, so every worker reads the same numbers.

SQLite route store -> a sibling SQLite file; Redis route store -> the same Redis; an
in-memory route store (tests) -> memory.
"""
from __future__ import annotations

import logging
from pathlib import Path

from strangler_proxy.config import ProxySettings
from strangler_proxy.dashboard.store.base import SampleRow, SampleStore
from strangler_proxy.dashboard.store.memory import MemorySamples
from strangler_proxy.errors import StoreUnavailable
from strangler_proxy.store.base import RouteStore

__all__ = ["MemorySamples", "SampleRow", "SampleStore", "open_sample_store"]

_log = logging.getLogger("strangler.dashboard")


def open_sample_store(route_store: RouteStore, settings: ProxySettings) -> SampleStore:
    """Open the sample store that goes with this route store (memory, logged, if it cannot be opened)."""
    kind = getattr(route_store, "kind", "")
    if kind == "redis":
        from strangler_proxy.dashboard.store.redis import RedisSamples

        return RedisSamples(getattr(route_store, "url", settings.store_url), prefix=settings.redis_prefix,
                            retention_seconds=int(settings.dashboard_retention_hours * 3600))
    if kind == "sqlite":
        from strangler_proxy.dashboard.store.sqlite import SqliteSamples, samples_path_for

        path = samples_path_for(Path(getattr(route_store, "path", settings.sqlite_path)))
        try:
            return SqliteSamples(path)
        except StoreUnavailable as error:
            # The proxy must still serve; the charts then cover this worker since it started.
            _log.error("dashboard samples kept in memory only: %s", error)
    return MemorySamples()
