"""Prometheus metrics of the side jobs, summed over every process that runs them.

Counters (published, consumed, duplicates, failed, retried, dead-lettered) are
counted where they happen: the relay and the Celery worker processes. Those
processes call `use_multiprocess()` at start, so each writes its counts to files
in one folder (prometheus-client's multiprocess mode) and `/metrics` sums them.
Gauges that describe the database (outbox lag, unsent events, dead letters
waiting) are read from the database at scrape time, so every process agrees.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Iterable, Iterator

from django.conf import settings

__all__ = [
    "CONTENT_TYPE",
    "exposition",
    "record_consumed",
    "record_dead_letter",
    "record_duplicate",
    "record_failure",
    "record_publish_failure",
    "record_published",
    "record_retry",
    "serve",
    "use_multiprocess",
]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_lock = threading.Lock()
_counters: dict | None = None


def metrics_dir() -> Path:
    return Path(settings.STRANGLER["JOBS"].metrics_dir)


def use_multiprocess() -> None:
    """Count in files shared by every process (call once, at process start)."""
    from prometheus_client import values

    folder = metrics_dir()
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    # The value class is chosen when prometheus_client is imported; whoever imported
    # it first may not have seen the folder yet.
    values.ValueClass = values.get_value_class()


def _multiprocess_on() -> bool:
    from prometheus_client import values

    return values.ValueClass is not values.MutexValue


def _make_counters() -> dict:
    from prometheus_client import CollectorRegistry, Counter

    # A private registry keeps these out of prometheus_client's global one, which
    # other components of a test process (the proxy) use for their own names.
    registry = CollectorRegistry(auto_describe=True)

    def counter(name: str, doc: str, labels: tuple[str, ...] = ()) -> Counter:
        return Counter(name, doc, labels, registry=registry)

    return {
        "registry": registry,
        "published": counter("strangler_outbox_published_events", "Outbox events handed to the broker.",
                             ("event_type",)),
        "publish_failures": counter("strangler_outbox_publish_failures",
                                    "Relay batches the broker did not take."),
        "consumed": counter("strangler_jobs_consumed", "Side jobs that ran to completion.", ("consumer",)),
        "duplicates": counter("strangler_jobs_duplicates",
                              "Deliveries the inbox recognised as already handled.", ("consumer",)),
        "failed": counter("strangler_jobs_failed", "Side job attempts that raised.", ("consumer",)),
        "retried": counter("strangler_jobs_retried", "Side jobs scheduled again with backoff.", ("consumer",)),
        "dead_lettered": counter("strangler_jobs_dead_lettered",
                                 "Side jobs moved to the dead-letter table.", ("consumer",)),
    }


def _c() -> dict:
    global _counters
    if _counters is None:
        with _lock:
            if _counters is None:
                _counters = _make_counters()
    return _counters


def record_published(events: Iterable) -> None:
    counter = _c()["published"]
    for event in events:
        counter.labels(event.event_type).inc()


def record_publish_failure() -> None:
    _c()["publish_failures"].inc()


def record_consumed(consumer: str) -> None:
    _c()["consumed"].labels(consumer).inc()


def record_duplicate(consumer: str) -> None:
    _c()["duplicates"].labels(consumer).inc()


def record_failure(consumer: str) -> None:
    _c()["failed"].labels(consumer).inc()


def record_retry(consumer: str) -> None:
    _c()["retried"].labels(consumer).inc()


def record_dead_letter(consumer: str) -> None:
    _c()["dead_lettered"].labels(consumer).inc()


class _DatabaseCollector:
    """Gauges read from the database on each scrape."""

    def __init__(self, *, close_connection: bool) -> None:
        self.close_connection = close_connection

    def collect(self) -> Iterator:
        from django.db import connection
        from prometheus_client.core import GaugeMetricFamily

        from monolith.outbox.selectors import outbox_stats

        try:
            stats = outbox_stats()
        finally:
            if self.close_connection:
                connection.close()
        yield GaugeMetricFamily("strangler_outbox_lag_seconds",
                                "Age of the oldest unsent outbox event (0 when none).",
                                value=stats.lag_seconds)
        yield GaugeMetricFamily("strangler_outbox_unsent_events", "Outbox events not yet published.",
                                value=stats.unsent)
        yield GaugeMetricFamily("strangler_jobs_dead_letters", "Dead letters waiting for a retry.",
                                value=stats.dead_letters)


def _registry(*, close_connection: bool):
    from prometheus_client import CollectorRegistry
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    folder = metrics_dir()
    if folder.is_dir():
        MultiProcessCollector(registry, path=str(folder))
    if not _multiprocess_on() and _counters is not None:
        # This process counts in memory: add its own counts to the files' sums.
        registry.register(_counters["registry"])
    registry.register(_DatabaseCollector(close_connection=close_connection))
    return registry


def exposition() -> bytes:
    """The Prometheus text exposition of every side-job metric."""
    from prometheus_client import generate_latest

    return generate_latest(_registry(close_connection=False))


def serve(port: int, host: str = "127.0.0.1"):
    """Serve /metrics on `port` from a background thread (the relay process); return the server."""
    from prometheus_client import start_http_server

    server, _thread = start_http_server(port, addr=host, registry=_registry(close_connection=True))
    return server
