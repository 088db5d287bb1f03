"""The outbox relay's one step: publish a batch of unsent events, then mark them sent.

Delivery is at least once: an event is marked published only after every
subscriber's message was handed to the broker, so a crash in between publishes it
again and the subscribers' inbox absorbs the duplicate.

Order is kept per aggregate. Events are published in position order, a failed
batch stops the step, and on PostgreSQL, where several relays share the table
(`SELECT ... FOR UPDATE SKIP LOCKED`), a relay holds back any event whose aggregate
has an earlier event still unsent that it does not hold itself. Writers of one
aggregate are serialised by that aggregate's row lock, so positions of one
aggregate commit in order. On SQLite a single relay runs (monolith.outbox.relay_lock)
and nothing is held open while the broker is called: a hanging broker never
blocks the writers.
"""
from __future__ import annotations

import logging

from django.db import connection, transaction
from django.db.models import Exists, F, Max, OuterRef
from django.utils import timezone

from monolith.outbox import metrics
from monolith.outbox.errors import BrokerUnavailable
from monolith.outbox.models import OutboxEvent
from monolith.outbox.publisher import OutboundMessage, Publisher
from monolith.outbox.subscribers import subscriptions_for

__all__ = ["message_for", "messages_for", "next_position", "publish_pending", "shares_the_table"]

log = logging.getLogger(__name__)

POSITION_SEQUENCE = "outbox_position_seq"


def next_position() -> int:
    """The next outbox position: a sequence on PostgreSQL, max+1 under SQLite's write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT nextval('{POSITION_SEQUENCE}')")
            return cursor.fetchone()[0]
    return (OutboxEvent.objects.aggregate(top=Max("position"))["top"] or 0) + 1


def shares_the_table() -> bool:
    """True where several relays may run at once (row locks with SKIP LOCKED)."""
    return connection.features.has_select_for_update_skip_locked


def message_for(event: OutboxEvent) -> dict:
    """The message body every subscriber task receives (as keyword arguments)."""
    return {
        "event_id": str(event.id),
        "event_type": event.event_type,
        "aggregate_type": event.aggregate_type,
        "aggregate_id": event.aggregate_id,
        "payload": event.payload,
        "occurred_at": event.created_at.isoformat(),
    }


def messages_for(event: OutboxEvent) -> list[OutboundMessage]:
    """One message per subscriber of the event's type, each to its own queue."""
    body = message_for(event)
    # "<event id>:<consumer>", the same on every redelivery: duplicates are easy to spot in logs.
    return [OutboundMessage(task=sub.task, queue=sub.queue, task_id=f"{body['event_id']}:{sub.consumer}",
                            kwargs=body)
            for sub in subscriptions_for(event.event_type)]


def _unsent():
    return OutboxEvent.objects.filter(published_at__isnull=True).order_by("position")


def _held_back(events: list[OutboxEvent]) -> set:
    """Ids of events whose aggregate has an earlier unsent event outside this batch."""
    ids = [e.pk for e in events]
    positions = [e.position for e in events if e.position is not None]
    if len(positions) == len(events) and OutboxEvent.objects.filter(
            published_at__isnull=True, position__lte=max(positions)).count() == len(events):
        # Nobody else holds an unsent event before our last one: nothing can be out of order.
        return set()
    earlier = OutboxEvent.objects.filter(
        published_at__isnull=True,
        aggregate_type=OuterRef("aggregate_type"),
        aggregate_id=OuterRef("aggregate_id"),
        position__lt=OuterRef("position"),
    ).exclude(pk__in=ids)
    return set(OutboxEvent.objects.filter(pk__in=ids).filter(Exists(earlier)).values_list("pk", flat=True))


def _publish(events: list[OutboxEvent], publisher: Publisher) -> None:
    publisher.publish([m for event in events for m in messages_for(event)])


def _mark_published(events: list[OutboxEvent]) -> None:
    OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(published_at=timezone.now())


def _record_failure(events: list[OutboxEvent], error: Exception) -> None:
    metrics.record_publish_failure()
    OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(
        attempts=F("attempts") + 1, last_error=str(error)[:500])


def publish_pending(*, publisher: Publisher, batch_size: int = 500) -> int:
    """Publish up to `batch_size` unsent events in position order; return how many.

    Raises BrokerUnavailable (nothing of the batch marked sent) when the broker fails.
    """
    events: list[OutboxEvent] = []
    try:
        if shares_the_table():
            with transaction.atomic():
                events = list(_unsent().select_for_update(skip_locked=True)[:batch_size])
                held = _held_back(events) if events else set()
                events = [e for e in events if e.pk not in held]
                if events:
                    _publish(events, publisher)
                    _mark_published(events)
        else:
            # One relay (enforced by relay_lock): read, publish, then mark in a short
            # write, so SQLite's single writer lock is never held across a broker call.
            events = list(_unsent()[:batch_size])
            if events:
                _publish(events, publisher)
                with transaction.atomic():
                    _mark_published(events)
    except BrokerUnavailable as error:
        _record_failure(events, error)
        raise
    metrics.record_published(events)
    return len(events)
