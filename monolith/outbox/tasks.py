"""The Celery beat alternative to the relay process: periodic tasks that publish and prune.

Run `celery -A monolith.celery beat` and a worker that consumes the `outbox.relay`
queue instead of `strangler jobs relay`. Latency is the beat interval
(STRANGLER_RELAY_BEAT_SECONDS) instead of a wake-up; the rules are the relay's own.
Pruning runs every STRANGLER_JOBS_PRUNE_INTERVAL_SECONDS, as the relay process does it.
"""
from __future__ import annotations

import logging
import time
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from monolith.outbox.errors import BrokerUnavailable
from monolith.outbox.publisher import CeleryPublisher
from monolith.outbox.relay import publish_pending
from monolith.outbox.relay_lock import single_relay
from monolith.outbox.subscribers import RELAY_QUEUE

__all__ = ["prune_tick", "relay_tick"]

# Batches per table in one tick; a larger backlog takes a few ticks, each well inside the time limit.
PRUNE_BATCHES_PER_TICK = 100

log = logging.getLogger(__name__)

_publisher: CeleryPublisher | None = None


@shared_task(name="monolith.outbox.tasks.relay_tick", ignore_result=True, acks_late=False)
def relay_tick() -> int:
    """Publish what is pending, for at most one beat interval; return how many events."""
    global _publisher
    jobs = settings.STRANGLER["JOBS"]
    with single_relay() as ours:
        if not ours:  # a relay process, or another tick, is at it
            return 0
        _publisher = _publisher or CeleryPublisher()
        total, deadline = 0, time.monotonic() + jobs.relay_beat_seconds
        while time.monotonic() < deadline:
            try:
                published = publish_pending(publisher=_publisher, batch_size=jobs.relay_batch_size)
            except BrokerUnavailable as error:
                log.warning("relay tick: broker unavailable (%s); the next tick tries again", error)
                break
            total += published
            if not published:
                break
        return total


@shared_task(name="monolith.outbox.tasks.prune_tick", ignore_result=True, acks_late=False)
def prune_tick() -> int:
    """Prune old sent events, inbox rows and job start counts; return how many rows went."""
    from monolith.outbox.services import outbox_prune

    jobs = settings.STRANGLER["JOBS"]
    pruned = outbox_prune(older_than=timedelta(days=jobs.retention_days), max_batches=PRUNE_BATCHES_PER_TICK)
    return pruned.events + pruned.inbox_entries + pruned.job_starts
