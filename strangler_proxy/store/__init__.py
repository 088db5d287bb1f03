"""The route store: runtime modes, the kill switch, a monotonic version and the audit log."""
from __future__ import annotations

from strangler_proxy.config import ProxySettings
from strangler_proxy.store.base import AuditEntry, RouteStore, Snapshot

__all__ = ["AuditEntry", "RouteStore", "Snapshot", "open_store"]


def open_store(settings: ProxySettings) -> RouteStore:
    """Open the store the settings name: SQLite (default) or Redis."""
    if settings.store_kind == "redis":
        from strangler_proxy.store.redis import RedisStore

        return RedisStore(settings.store_url, prefix=settings.redis_prefix)
    from strangler_proxy.store.sqlite import SqliteStore

    return SqliteStore(settings.sqlite_path, poll_seconds=settings.store_poll_seconds)
