"""The outbox relay: publish unsent events to every subscriber's queue.

Delivery is at least once: an event is marked published only after every
subscriber's message was handed to the broker, so a crash in between publishes it
again and the subscribers' inbox absorbs the duplicate.
"""
from __future__ import annotations

import logging

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from monolith.outbox.models import OutboxEvent
from monolith.outbox.subscribers import subscriptions_for

__all__ = ["next_position", "publish_pending", "publish_soon", "message_for"]

log = logging.getLogger(__name__)

POSITION_SEQUENCE = "outbox_position_seq"


def next_position() -> int:
    """The next outbox position: a sequence on PostgreSQL, max+1 under SQLite's write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT nextval('{POSITION_SEQUENCE}')")
            return cursor.fetchone()[0]
    return (OutboxEvent.objects.aggregate(top=Max("position"))["top"] or 0) + 1


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


def _send(event: OutboxEvent) -> None:
    from monolith.celery import app

    for sub in subscriptions_for(event.event_type):
        app.send_task(sub.task, kwargs=message_for(event), queue=sub.queue)


def publish_pending(*, batch_size: int = 100) -> int:
    """Publish up to `batch_size` unsent events in position order; return how many."""
    with transaction.atomic():
        rows = OutboxEvent.objects.filter(published_at__isnull=True).order_by("position")
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        events = list(rows[:batch_size])
        sent: list = []
        for event in events:
            try:
                _send(event)
            except Exception as error:  # broker down: keep the row, try later
                OutboxEvent.objects.filter(pk=event.pk).update(
                    attempts=event.attempts + 1, last_error=str(error)[:500]
                )
                log.warning("outbox: broker unavailable, %s stays queued: %s", event.pk, error)
                break
            sent.append(event.pk)
        if sent:
            OutboxEvent.objects.filter(pk__in=sent).update(published_at=timezone.now())
    return len(sent)


def publish_soon() -> None:
    """After a commit: try to publish now so side jobs start at once.

    Never raises: the request that wrote the event has already succeeded, and a
    relay process publishes whatever this could not.
    """
    try:
        publish_pending()
    except Exception:
        log.exception("outbox: publishing after commit failed; the relay will retry")
