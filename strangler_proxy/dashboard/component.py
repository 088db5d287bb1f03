"""The dashboard as one worker runs it: the sample store, the sampler and the pages, started and stopped together."""
from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from aiohttp import web

from strangler_proxy.config import ProxySettings
from strangler_proxy.dashboard.live import Overview
from strangler_proxy.dashboard.sampler import Sampler
from strangler_proxy.dashboard.store import SampleStore, open_sample_store
from strangler_proxy.dashboard.web import DashboardPages
from strangler_proxy.metrics import ProxyMetrics
from strangler_proxy.routing.paths import Target
from strangler_proxy.store.base import RouteStore

if TYPE_CHECKING:  # the server package imports the dashboard
    from strangler_proxy.server.state import StateHolder

__all__ = ["Dashboard"]


class Dashboard:
    """Serve the dashboard and, unless STRANGLER_DASHBOARD_SAMPLE_SECONDS is 0, sample this worker's counters."""

    def __init__(self, *, holder: StateHolder, store: RouteStore, settings: ProxySettings, metrics: ProxyMetrics,
                 samples: SampleStore | None = None) -> None:
        self.samples = samples if samples is not None else open_sample_store(store, settings)
        interval = settings.dashboard_sample_seconds
        retention = int(settings.dashboard_retention_hours * 3600)
        self.sampler = Sampler(metrics=metrics, store=self.samples, interval=interval,
                               retention_seconds=retention) if interval else None
        overview = Overview(holder=holder, store=store, metrics=metrics, sample_seconds=interval,
                            samples_kind=self.samples.kind)
        self.pages = DashboardPages(overview=overview, samples=self.samples, admin_token=settings.admin_token,
                                    sample_seconds=interval, retention_hours=settings.dashboard_retention_hours)

    async def handle(self, request: web.BaseRequest, target: Target) -> web.StreamResponse | None:
        """Answer a dashboard path; None for reserved paths that are not the dashboard's."""
        return await self.pages.handle(request, target)

    async def start(self) -> None:
        """Start sampling."""
        if self.sampler is not None:
            await self.sampler.start()

    async def stop(self) -> None:
        """Write the last partial sample and close the sample store."""
        if self.sampler is not None:
            await self.sampler.stop()
        with contextlib.suppress(Exception):
            await asyncio.to_thread(self.samples.close)
