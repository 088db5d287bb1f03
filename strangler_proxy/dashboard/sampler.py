"""The background task that turns this worker's counters into per-interval samples in the shared store.

Each worker wakes just after every interval boundary, takes what its own counters gained
since the last sample and adds it to the bucket of the interval that just ended. Workers
need no coordination: the store adds their gains up. If the store cannot be written, the
gains are kept and go into the next sample that is written; a worker that dies loses at
most its last interval. At shutdown the partial interval is written too.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from strangler_proxy.dashboard.counters import SampleKey, delta, own_counters
from strangler_proxy.dashboard.store.base import SampleStore
from strangler_proxy.errors import StoreUnavailable
from strangler_proxy.metrics import ProxyMetrics

__all__ = ["Sampler", "bucket_of"]

_log = logging.getLogger("strangler.dashboard")
_PRUNE_EVERY_SECONDS = 600
# Wake a little after the boundary so the requests finishing right on it are in.
_AFTER_BOUNDARY = 0.05


def bucket_of(moment: float, interval: int) -> int:
    """Return the start of the interval holding `moment`."""
    return int(moment // interval) * interval


class Sampler:
    """Write this worker's counter gains to the sample store once per interval."""

    def __init__(self, *, metrics: ProxyMetrics, store: SampleStore, interval: int, retention_seconds: int,
                 clock: Callable[[], float] = time.time) -> None:
        if interval < 1:
            raise ValueError("the sampling interval is at least one second")
        self.interval = interval
        self.retention_seconds = retention_seconds
        self._metrics = metrics
        self._store = store
        self._clock = clock
        self._written: dict[SampleKey, float] = {}
        self._last_prune = 0.0
        self._failing = False
        self._task: asyncio.Task[None] | None = None

    def sample(self, *, bucket: int | None = None) -> int:
        """Write the gains since the last sample (default: to the interval that just ended); return rows written."""
        now = self._clock()
        if bucket is None:
            bucket = bucket_of(now - _AFTER_BOUNDARY - self.interval / 2, self.interval)
        current = own_counters(self._metrics)
        gains = delta(self._written, current)
        try:
            self._store.add(bucket, gains)
            if now - self._last_prune >= _PRUNE_EVERY_SECONDS:
                self._store.prune(before=int(now) - self.retention_seconds)
                self._last_prune = now
        except StoreUnavailable as error:
            if not self._failing:
                _log.warning("dashboard samples not written, will retry: %s", error)
            self._failing = True
            return 0
        if self._failing:
            _log.info("dashboard samples written again")
            self._failing = False
        self._written = current
        return len(gains)

    async def start(self) -> None:
        """Start sampling on the running loop."""
        self._task = asyncio.create_task(self._run(), name="strangler-dashboard-sampler")

    async def stop(self) -> None:
        """Stop, writing the partial interval."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        try:
            await asyncio.to_thread(self.sample, bucket=bucket_of(self._clock(), self.interval))
        except Exception:  # shutting down: never let the samples stop the proxy
            _log.exception("last dashboard sample failed")

    async def _run(self) -> None:
        while True:
            now = self._clock()
            next_boundary = bucket_of(now, self.interval) + self.interval
            await asyncio.sleep(next_boundary - now + _AFTER_BOUNDARY)
            try:
                await asyncio.to_thread(self.sample)
            except Exception:  # a bug here must not end the sampling for good
                _log.exception("dashboard sample failed")
