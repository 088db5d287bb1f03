"""Keep a worker's routing state current: store changes and route-file edits.

`StoreWatcher` runs in a thread because the stores are synchronous: it waits for a change
(Redis pub/sub message, or the SQLite poll interval), compares the version and hands a new
snapshot to the event loop. When the store is unreachable it logs once, keeps the last
applied snapshot and retries every second.

`TableWatcher` polls the route file's mtime/size; a changed file is validated whole and
either applied or refused with the errors logged (the last good table stays).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from strangler_proxy.errors import RouteTableError, StoreUnavailable
from strangler_proxy.metrics import ProxyMetrics
from strangler_proxy.routing.table import load_table
from strangler_proxy.server.state import StateHolder
from strangler_proxy.store.base import RouteStore, Snapshot

__all__ = ["StoreWatcher", "TableWatcher"]

_log = logging.getLogger("strangler.watch")
_RETRY_SECONDS = 1.0


class StoreWatcher:
    """Apply store changes to the holder from a background thread."""

    def __init__(self, store: RouteStore, holder: StateHolder, loop: asyncio.AbstractEventLoop,
                 *, wait_seconds: float = 1.0) -> None:
        self._store = store
        self._holder = holder
        self._loop = loop
        self._wait = wait_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="strangler-store-watch", daemon=True)
        self._failing = False

    def start(self) -> None:
        """Start watching."""
        self._thread.start()

    def request_stop(self) -> None:
        """Ask the thread to finish (it notices after its current wait)."""
        self._stop.set()

    def stop(self, timeout: float = 3.0) -> None:
        """Stop watching and wait for the thread."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._store.wait_for_change(self._wait)
                if self._stop.is_set():
                    break
                self.check()
            except StoreUnavailable as error:
                if self._stop.is_set():
                    break
                if not self._failing:
                    _log.warning("route store unavailable, still serving table version %d: %s",
                                 self._holder.current.version, error)
                    self._failing = True
                self._stop.wait(_RETRY_SECONDS)
            except Exception:
                if self._stop.is_set():
                    break
                _log.exception("route store watcher failed; retrying")
                self._stop.wait(_RETRY_SECONDS)

    def check(self) -> None:
        """Read the version and, if it moved, apply the new snapshot (raises StoreUnavailable)."""
        applied = self._holder.current.version
        version = self._store.version()
        if self._failing:
            _log.warning("route store reachable again (version %d)", version)
            self._failing = False
        if version == applied:
            return
        snapshot = self._store.snapshot()
        # A lower version means the store was reset; the store is the source of truth.
        self._apply_threadsafe(snapshot, allow_older=snapshot.version < applied)

    def _apply_threadsafe(self, snapshot: Snapshot, *, allow_older: bool) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closing
            self._loop.call_soon_threadsafe(self._apply, snapshot, allow_older)

    def _apply(self, snapshot: Snapshot, allow_older: bool) -> None:
        if self._holder.apply_snapshot(snapshot, allow_older=allow_older):
            _log.info("applied route table version %d (kill switch %s)", snapshot.version,
                      "on" if snapshot.kill_switch else "off")


class TableWatcher:
    """Reload the route file when it changes; refuse invalid files whole."""

    def __init__(self, path: Path, holder: StateHolder, metrics: ProxyMetrics, *,
                 backend_urls: Mapping[str, tuple[str, ...]], poll_seconds: float,
                 on_applied: Callable[[], object] | None = None) -> None:
        self._path = path
        self._holder = holder
        self._metrics = metrics
        self._backend_urls = backend_urls
        self._poll = poll_seconds
        self._on_applied = on_applied
        self._seen = self._stat()
        self._task: asyncio.Task[None] | None = None

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            info = os.stat(self._path)
        except OSError:
            return None
        return (info.st_mtime_ns, info.st_size, info.st_ino)

    def start(self) -> None:
        """Start polling (on the event loop)."""
        self._task = asyncio.create_task(self._run(), name="strangler-table-watch")

    async def stop(self) -> None:
        """Stop polling."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._poll)
            seen = self._stat()
            if seen is not None and seen != self._seen:
                self._seen = seen
                await self.reload()

    async def reload(self) -> list[str] | None:
        """Load and apply the route file now; return the problems if it was refused."""
        self._seen = self._stat()
        try:
            table = await asyncio.to_thread(load_table, self._path, backend_urls=self._backend_urls)
        except RouteTableError as error:
            self._holder.last_reload_error = error.problems
            self._metrics.table_reloads.labels("refused").inc()
            _log.error("route file refused, still serving the last good table: %s",
                       "; ".join(error.problems))
            return error.problems
        if table.digest != self._holder.current.table.digest:
            self._holder.apply_table(table)
            if self._on_applied is not None:
                result = self._on_applied()
                if asyncio.iscoroutine(result):
                    await result
            _log.info("route file %s applied (%d routes, digest %s)", self._path, len(table.routes), table.digest)
        self._holder.last_reload_error = None
        self._metrics.table_reloads.labels("applied").inc()
        return None
