"""The application factory; every collaborator can be injected (tests pass their own)."""
from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import web

from strangler_proxy.admin.api import AdminApi
from strangler_proxy.config import ProxySettings
from strangler_proxy.dashboard import Dashboard
from strangler_proxy.errors import StoreUnavailable
from strangler_proxy.forwarding.circuit import STATE_VALUES
from strangler_proxy.forwarding.health import HealthChecker
from strangler_proxy.forwarding.upstream import Instance, Upstream, UpstreamPool
from strangler_proxy.metrics import ProxyMetrics
from strangler_proxy.mirror import Mirror
from strangler_proxy.routing.model import RouteTable
from strangler_proxy.routing.table import load_table
from strangler_proxy.server.access_log import AccessLog
from strangler_proxy.server.forward import Forwarder
from strangler_proxy.server.handler import ProxyHandler
from strangler_proxy.server.state import StateHolder
from strangler_proxy.server.watchers import StoreWatcher, TableWatcher
from strangler_proxy.shadow.admin import CompareAdmin
from strangler_proxy.shadow.results import ResultsStore, open_results
from strangler_proxy.shadow.wiring import comparing_mirror
from strangler_proxy.store import RouteStore, open_store
from strangler_proxy.store.base import Snapshot

__all__ = ["PROXY", "Proxy", "create_app"]

_log = logging.getLogger("strangler.proxy")


class Proxy:
    """Everything one worker runs: state, store, upstream, mirror, watchers and the handler."""

    def __init__(self, *, settings: ProxySettings, table: RouteTable, store: RouteStore,
                 upstream: Upstream | None, mirror: Mirror | None, metrics: ProxyMetrics,
                 watch_routes_file: bool, results: ResultsStore | None = None) -> None:
        self.settings = settings
        self.store = store
        self.metrics = metrics
        self.holder = StateHolder(table)
        self.pool = upstream if upstream is not None else UpstreamPool(
            table.backends, on_circuit_change=self._circuit_changed)
        self.health = HealthChecker(self.pool, on_change=self._health_changed) \
            if isinstance(self.pool, UpstreamPool) else None
        # Shadow results live next to the route store, so every worker adds to the same totals.
        self._owns_results = results is None
        self.results = results if results is not None else open_results(settings, store.kind)
        self.mirror = mirror if mirror is not None else comparing_mirror(self.pool, metrics, self.results, settings)
        self.table_watcher = TableWatcher(settings.routes_file, self.holder, metrics,
                                          backend_urls=settings.backend_urls,
                                          poll_seconds=settings.routes_poll_seconds,
                                          on_applied=self._table_applied)
        self._watch_routes_file = watch_routes_file
        self.store_watcher: StoreWatcher | None = None
        self.forwarder = Forwarder(holder=self.holder, upstream=self.pool, mirror=self.mirror,
                                   metrics=metrics, settings=settings)
        self.admin = AdminApi(holder=self.holder, store=store, settings=settings, metrics=metrics,
                              reload=self.table_watcher.reload, compare=CompareAdmin(self.results))
        self.access_log = AccessLog(enabled=settings.access_log)
        self.dashboard = Dashboard(holder=self.holder, store=store, settings=settings, metrics=metrics)
        self.handler = ProxyHandler(holder=self.holder, forwarder=self.forwarder, admin=self.admin,
                                    metrics=metrics, access_log=self.access_log, dashboard=self.dashboard)
        self.holder.on_snapshot(self._snapshot_applied)

    def _snapshot_applied(self, snapshot: Snapshot) -> None:
        self.metrics.table_version.set(snapshot.version)
        self.metrics.kill_switch.set(1 if snapshot.kill_switch else 0)

    def _circuit_changed(self, instance: Instance, state: str) -> None:
        _log.warning("circuit of backend %s instance %s is now %s", instance.backend, instance.url, state)
        self.metrics.circuit_state.labels(instance.backend, instance.url).set(STATE_VALUES[state])

    def _health_changed(self, instance: Instance, healthy: bool) -> None:
        self.metrics.instance_healthy.labels(instance.backend, instance.url).set(1 if healthy else 0)

    async def _table_applied(self) -> None:
        self.pool.configure(self.holder.current.table.backends)
        self._publish_instances()
        if self.health is not None:
            await self.health.restart()

    def _publish_instances(self) -> None:
        if isinstance(self.pool, UpstreamPool):
            for instance in self.pool.instances:
                self.metrics.circuit_state.labels(instance.backend, instance.url).set(
                    STATE_VALUES[instance.circuit.state])
                self.metrics.instance_healthy.labels(instance.backend, instance.url).set(int(instance.healthy))

    async def startup(self, app: web.Application) -> None:
        """Load the store snapshot and start the background work."""
        try:
            snapshot = await asyncio.to_thread(self.store.snapshot)
        except StoreUnavailable as error:
            # Serve the route file's initial modes; the watcher applies the store when it is back.
            _log.error("route store unavailable at start, serving the route file's initial modes: %s", error)
            snapshot = Snapshot()
        self.holder.apply_snapshot(snapshot, allow_older=True)
        self._snapshot_applied(snapshot)
        await self.pool.start()
        self._publish_instances()
        if self.health is not None:
            self.health.start()
        await self.mirror.start()
        self.store_watcher = StoreWatcher(self.store, self.holder, asyncio.get_running_loop())
        self.store_watcher.start()
        if self._watch_routes_file:
            self.table_watcher.start()
        await self.dashboard.start()
        self.access_log.start()
        self.metrics.start()

    async def cleanup(self, app: web.Application) -> None:
        """Stop background work and close connections."""
        await self.access_log.stop()
        await self.metrics.stop()
        await self.dashboard.stop()
        await self.table_watcher.stop()
        if self.store_watcher is not None:
            self.store_watcher.request_stop()
        # Closing the store also wakes a watcher blocked waiting for a change.
        with contextlib.suppress(Exception):
            await asyncio.to_thread(self.store.close)
        if self.store_watcher is not None:
            await asyncio.to_thread(self.store_watcher.stop)
        await self.mirror.stop()
        if self._owns_results:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self.results.close)
        if self.health is not None:
            await self.health.stop()
        await self.pool.close()


PROXY = web.AppKey("strangler_proxy", Proxy)


def create_app(
    settings: ProxySettings | None = None,
    *,
    table: RouteTable | None = None,
    store: RouteStore | None = None,
    upstream: Upstream | None = None,
    mirror: Mirror | None = None,
    metrics: ProxyMetrics | None = None,
    results: ResultsStore | None = None,
) -> web.Application:
    """Build the proxy application; raise RouteTableError if the route file is invalid."""
    settings = settings or ProxySettings.from_env()
    watch = table is None
    if table is None:
        table = load_table(settings.routes_file, backend_urls=settings.backend_urls)
    proxy = Proxy(settings=settings, table=table, store=store if store is not None else open_store(settings),
                  upstream=upstream, mirror=mirror, metrics=metrics or ProxyMetrics(),
                  watch_routes_file=watch, results=results)
    # The application holds the proxy and its start/stop hooks; requests are served by the
    # proxy's own HTTP server (runner.start_site), which hands each one to proxy.handler.
    app = web.Application()
    app[PROXY] = proxy
    app.on_startup.append(proxy.startup)
    app.on_cleanup.append(proxy.cleanup)
    return app
