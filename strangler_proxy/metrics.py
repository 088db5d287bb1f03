"""Prometheus metrics of the proxy, correct across worker processes.

With several workers, `strangler proxy` sets PROMETHEUS_MULTIPROC_DIR before the workers
start, so prometheus-client's multiprocess mode aggregates every worker's numbers at
scrape time; one worker answers for all. Gauges say how they combine: the circuit state is
the worst across workers, the table version is reported per worker (pid label) so lagging
workers show.

Every request is counted and timed, so `observe` only adds to plain in-process totals; they
reach the Prometheus metrics (in multiprocess mode: the files other workers read) when
flushed: whenever the worker has no request in flight (so a quiet proxy publishes every
request at once), every `FLUSH_SECONDS` under load, before this process renders or reads
its metrics, and when the proxy stops. Going through prometheus-client for each request
(a lock and a file write per counter and per histogram bucket) cost more than the rest of
the request's bookkeeping.
"""
from __future__ import annotations

import asyncio
import bisect
import contextlib
import os
import threading
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

__all__ = ["FLUSH_SECONDS", "LATENCY_BUCKETS", "ProxyMetrics", "multiprocess_enabled"]

# `*_created` series double the exposition for no use here.
disable_created_metrics()

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
FLUSH_SECONDS = 0.5
_BUCKET_COUNT = len(LATENCY_BUCKETS) + 1  # and +Inf


def multiprocess_enabled() -> bool:
    """Whether prometheus-client runs in multiprocess mode in this process."""
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class ProxyMetrics:
    """The proxy's counters, histograms and gauges, with cached label children for the hot path."""

    def __init__(self, *, multiprocess: bool | None = None) -> None:
        self.multiprocess = multiprocess_enabled() if multiprocess is None else multiprocess
        # In multiprocess mode values live in files shared by all workers; a private
        # registry per instance keeps several apps in one test process independent.
        self.registry = None if self.multiprocess else CollectorRegistry()
        r = self.registry
        if r is not None:
            # Registered first, so a collection of this registry sees every request so far.
            r.register(_FlushBeforeCollect(self))
        self.requests = Counter("strangler_requests", "Requests by route, backend and status.",
                                ["route", "backend", "status"], registry=r)
        self.latency = Histogram("strangler_request_duration_seconds", "Time to the last byte, by route and backend.",
                                 ["route", "backend"], buckets=LATENCY_BUCKETS, registry=r)
        self.fallbacks = Counter("strangler_fallbacks", "Requests answered by the monolith after the extracted backend failed.",
                                 ["route", "backend", "reason"], registry=r)
        self.upstream_errors = Counter("strangler_upstream_errors", "Upstream failures by backend and kind.",
                                       ["backend", "kind"], registry=r)
        self.mirrors = Counter("strangler_mirror", "Shadow mirror outcomes by route.",
                               ["route", "outcome"], registry=r)
        self.table_reloads = Counter("strangler_table_reloads", "Route file reloads, applied or refused.",
                                     ["result"], registry=r)
        self.circuit_state = Gauge("strangler_circuit_state", "Circuit per instance: 0 closed, 1 half-open, 2 open.",
                                   ["backend", "instance"], registry=r, multiprocess_mode="livemax")
        self.instance_healthy = Gauge("strangler_instance_healthy", "1 if the instance passes its health checks.",
                                      ["backend", "instance"], registry=r, multiprocess_mode="livemin")
        self.table_version = Gauge("strangler_table_version", "Route store version applied by this worker.",
                                   registry=r, multiprocess_mode="liveall")
        self.kill_switch = Gauge("strangler_kill_switch", "1 while the global kill switch is on.",
                                 registry=r, multiprocess_mode="livemax")
        self._request_children: dict[tuple[str, str, int], Any] = {}
        self._latency_children: dict[tuple[str, str], Any] = {}
        # Cumulative in-process totals (only ever added to, on the event loop) and what of
        # them was already flushed (only touched under the lock).
        self._counts: dict[tuple[str, str, int], int] = {}
        self._timings: dict[tuple[str, str], list[float]] = {}
        self._flushed_counts: dict[tuple[str, str, int], int] = {}
        self._flushed_timings: dict[tuple[str, str], list[float]] = {}
        self._flush_lock = threading.Lock()
        self._flusher: asyncio.Task[None] | None = None

    def observe(self, route: str, backend: str, status: int, seconds: float) -> None:
        """Count one finished request."""
        key = (route, backend, status)
        counts = self._counts
        counts[key] = counts.get(key, 0) + 1
        pair = (route, backend)
        timing = self._timings.get(pair)
        if timing is None:
            timing = self._timings[pair] = [0.0] * (_BUCKET_COUNT + 1)
        timing[0] += seconds
        # Prometheus buckets hold values <= their bound: the first bound >= seconds.
        timing[1 + bisect.bisect_left(LATENCY_BUCKETS, seconds)] += 1

    def flush(self) -> None:
        """Move the in-process totals into the Prometheus metrics (safe from any thread)."""
        with self._flush_lock:
            flushed = self._flushed_counts
            for key, total in list(self._counts.items()):
                done = flushed.get(key, 0)
                if total != done:
                    child = self._request_children.get(key)
                    if child is None:
                        child = self._request_children[key] = self.requests.labels(key[0], key[1], str(key[2]))
                    child.inc(total - done)
                    flushed[key] = total
            flushed_timings = self._flushed_timings
            for pair, live in list(self._timings.items()):
                now = live[:]  # one C-level copy: a consistent snapshot
                before = flushed_timings.get(pair)
                if before == now:
                    continue
                timer = self._latency_children.get(pair)
                if timer is None:
                    timer = self._latency_children[pair] = self.latency.labels(*pair)
                _add_observations(timer, now, before)
                flushed_timings[pair] = now

    def start(self) -> None:
        """Flush every FLUSH_SECONDS (call on the event loop)."""
        self._flusher = asyncio.get_running_loop().create_task(self._flush_periodically(),
                                                               name="strangler-metrics-flush")

    async def stop(self) -> None:
        """Stop flushing periodically and flush what is left."""
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
            self._flusher = None
        self.flush()

    async def _flush_periodically(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            self.flush()

    def render(self) -> tuple[bytes, str]:
        """Return the exposition text and its content type."""
        self.flush()
        return generate_latest(self._collect_registry()), CONTENT_TYPE_LATEST

    def _collect_registry(self) -> CollectorRegistry:
        if self.registry is not None:
            return self.registry
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry

    def route_stats(self) -> dict[str, dict[str, Any]]:
        """Return per-route totals (all workers): requests by backend and status, fallbacks, latency."""
        stats: dict[str, dict[str, Any]] = defaultdict(lambda: {
            "requests": 0, "by_backend": defaultdict(int), "by_status": defaultdict(int),
            "fallbacks": 0, "latency_seconds_sum": 0.0, "_buckets": defaultdict(float)})
        self.flush()
        for metric in self._collect_registry().collect():
            for sample in metric.samples:
                labels = sample.labels
                route = labels.get("route")
                if route is None:
                    continue
                if sample.name == "strangler_requests_total":
                    entry = stats[route]
                    entry["requests"] += int(sample.value)
                    entry["by_backend"][labels["backend"]] += int(sample.value)
                    entry["by_status"][labels["status"]] += int(sample.value)
                elif sample.name == "strangler_fallbacks_total":
                    stats[route]["fallbacks"] += int(sample.value)
                elif sample.name == "strangler_request_duration_seconds_sum":
                    stats[route]["latency_seconds_sum"] += sample.value
                elif sample.name == "strangler_request_duration_seconds_bucket":
                    stats[route]["_buckets"][labels["le"]] += sample.value
        result = {}
        for route, entry in stats.items():
            buckets = entry.pop("_buckets")
            count = entry["requests"]
            entry["by_backend"] = dict(entry["by_backend"])
            entry["by_status"] = dict(entry["by_status"])
            entry["latency_mean_ms"] = round(1000 * entry.pop("latency_seconds_sum") / count, 3) if count else None
            entry["latency_p50_ms_at_most"] = _quantile_bound(buckets, 0.50)
            entry["latency_p99_ms_at_most"] = _quantile_bound(buckets, 0.99)
            result[route] = entry
        return result


class _FlushBeforeCollect:
    """A collector with no metrics of its own: collecting the registry flushes the totals first."""

    def __init__(self, metrics: ProxyMetrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterable[Any]:
        self._metrics.flush()
        return ()

    def describe(self) -> Iterable[Any]:
        return ()


def _add_observations(child: Any, now: list[float], before: list[float] | None) -> None:
    """Add to a histogram child what `observe` would have added, from cumulative totals."""
    # prometheus-client has no batch observe; these are the values its observe() adds to.
    child._sum.inc(now[0] - (before[0] if before else 0.0))
    buckets = child._buckets
    for index in range(_BUCKET_COUNT):
        added = now[index + 1] - (before[index + 1] if before else 0)
        if added:
            buckets[index].inc(added)


def _quantile_bound(buckets: dict[str, float], q: float) -> float | None:
    """Return the upper bound (ms) of the histogram bucket holding the q-quantile."""
    ordered = sorted(((float(le), count) for le, count in buckets.items()), key=lambda item: item[0])
    if not ordered or ordered[-1][1] == 0:
        return None
    target = q * ordered[-1][1]
    for bound, cumulative in ordered:
        if cumulative >= target:
            return None if bound == float("inf") else round(bound * 1000, 3)
    return None
