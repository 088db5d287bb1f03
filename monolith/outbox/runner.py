"""The relay process: publish whatever is unsent, sleep until woken, back off when the broker is down.

Started by `python -m monolith run_relay` or `strangler jobs relay`. On PostgreSQL
any number may run; on SQLite the second one is refused (or waits, with `wait`).
A process that runs only the relay calls `metrics.use_multiprocess()` first, so
its counts reach every /metrics endpoint. Between wake-ups, every
STRANGLER_JOBS_PRUNE_INTERVAL_SECONDS, it prunes old sent events, inbox rows and job
start counts a few batches at a time (monolith.outbox.services.outbox_prune).
"""
from __future__ import annotations

import logging
import random
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Iterator

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection

from monolith.outbox import metrics
from monolith.outbox.errors import BrokerUnavailable, JobsError, RelayAlreadyRunning
from monolith.outbox.profile import broker_description, check_profile
from monolith.outbox.publisher import CeleryPublisher, Publisher
from monolith.outbox.relay import publish_pending
from monolith.outbox.relay_lock import RelayLock
from monolith.outbox.wakeup import WakeListener, parse_address

__all__ = ["Backoff", "RelayOptions", "relay_thread", "run_relay"]

log = logging.getLogger("monolith.outbox.relay")

CONNECTION_CHECK_SECONDS = 30.0
# Batches per table in one prune pass between wake-ups; what is left waits for the next idle turn.
PRUNE_BATCHES_PER_PASS = 5


@dataclass
class Backoff:
    """Exponential delays with jitter for a failing dependency; `reset()` after a success."""

    start: float = 0.1
    cap: float = 10.0
    failures: int = 0

    def next(self) -> float:
        step = min(self.cap, self.start * 2 ** min(self.failures, 32))
        self.failures += 1
        return step / 2 + random.random() * step / 2

    def reset(self) -> None:
        self.failures = 0


@dataclass(frozen=True)
class RelayOptions:
    batch_size: int
    poll_seconds: float
    backoff_max_seconds: float
    wake_address: tuple[str, int] | None
    metrics_port: int
    wait_for_lock: bool = False
    once: bool = False
    prune_interval_seconds: float = 0.0  # 0: the relay never prunes
    retention_days: float = 7.0

    @classmethod
    def from_settings(cls, **overrides) -> "RelayOptions":
        jobs = settings.STRANGLER["JOBS"]
        values = {
            "batch_size": jobs.relay_batch_size, "poll_seconds": jobs.relay_poll_seconds,
            "backoff_max_seconds": jobs.relay_backoff_max_seconds,
            "wake_address": parse_address(jobs.relay_wake_address),
            "metrics_port": jobs.relay_metrics_port,
            "prune_interval_seconds": jobs.prune_interval_seconds, "retention_days": jobs.retention_days,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def _acquire(lock: RelayLock, options: RelayOptions, stop: threading.Event) -> bool:
    if lock.acquire():
        return True
    if not options.wait_for_lock:
        raise RelayAlreadyRunning(
            f"another relay (pid {lock.holder()}) holds {lock.path}; SQLite allows one relay "
            "(use PostgreSQL for several, or --wait to stand by)")
    log.info("relay: standing by; pid %s holds %s", lock.holder(), lock.path)
    while not stop.wait(1.0):
        if lock.acquire():
            return True
    return False


def _prune(options: RelayOptions) -> float:
    """One bounded prune pass; return the seconds until the next one."""
    from monolith.outbox.services import outbox_prune

    try:
        pruned = outbox_prune(older_than=timedelta(days=options.retention_days),
                              max_batches=PRUNE_BATCHES_PER_PASS)
    except (DatabaseError, JobsError) as error:
        log.warning("relay: pruning failed (%s); next try in %g s", error, options.prune_interval_seconds)
        return options.prune_interval_seconds
    if pruned.events or pruned.inbox_entries or pruned.job_starts:
        log.info("relay: pruned %d sent events, %d inbox rows and %d job start counts older than %g days",
                 pruned.events, pruned.inbox_entries, pruned.job_starts, options.retention_days)
    return options.prune_interval_seconds if pruned.done else 0.0


def _install_signal_handlers(stop: threading.Event) -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())


def run_relay(options: RelayOptions | None = None, *, stop: threading.Event | None = None,
              publisher: Publisher | None = None) -> int:
    """Relay until `stop` is set (or, with `once`, until nothing is pending); return events published.

    Raises ProfileError for an unsafe profile and RelayAlreadyRunning when another
    relay holds SQLite's lock.
    """
    from monolith.celery import app

    options = options or RelayOptions.from_settings()
    stop = stop or threading.Event()
    check_profile(app)
    lock = RelayLock()
    _install_signal_handlers(stop)
    if not _acquire(lock, options, stop):
        return 0
    log.info("relay: started (pid lock %s); %s", lock.path or "not needed, PostgreSQL", broker_description(app))
    publisher = publisher or CeleryPublisher(app)
    listener = WakeListener(None if options.once else options.wake_address)
    server = metrics.serve(options.metrics_port) if options.metrics_port else None
    backoff = Backoff(cap=options.backoff_max_seconds)
    total = 0
    next_connection_check = time.monotonic() + CONNECTION_CHECK_SECONDS
    next_prune = time.monotonic()  # at the first idle turn: a restarted relay catches up
    try:
        while not stop.is_set():
            try:
                published = publish_pending(publisher=publisher, batch_size=options.batch_size)
            except BrokerUnavailable as error:
                if options.once:
                    raise
                delay = backoff.next()
                log.warning("relay: broker unavailable (%s); next try in %.2f s", error, delay)
                stop.wait(delay)
                continue
            except DatabaseError as error:
                connection.close()
                delay = backoff.next()
                log.warning("relay: database error (%s); next try in %.2f s", error, delay)
                stop.wait(delay)
                continue
            if backoff.failures:
                log.info("relay: publishing again")
            backoff.reset()
            total += published
            if published:
                continue  # more may be waiting
            if options.once:
                break
            if time.monotonic() >= next_connection_check:
                # Django's request cycle would do this; a relay has no requests. Not on every
                # idle turn: with CONN_MAX_AGE=0 that reconnects at each wake-up.
                close_old_connections()
                next_connection_check = time.monotonic() + CONNECTION_CHECK_SECONDS
            if options.prune_interval_seconds and time.monotonic() >= next_prune:
                next_prune = time.monotonic() + _prune(options)
                continue  # events may have arrived meanwhile
            listener.wait(options.poll_seconds)
    finally:
        publisher.close()
        listener.close()
        if server is not None:
            server.shutdown()
        lock.release()
        log.info("relay: stopped after publishing %d events", total)
    return total


@contextmanager
def relay_thread(options: RelayOptions | None = None) -> Iterator[threading.Thread]:
    """Run the relay in a background thread of this process while inside (tests, demos)."""
    stop = threading.Event()
    options = options or RelayOptions.from_settings(poll_seconds=0.05)

    def target() -> None:
        try:
            run_relay(options, stop=stop)
        finally:
            connection.close()

    thread = threading.Thread(target=target, name="outbox-relay", daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(timeout=10)
