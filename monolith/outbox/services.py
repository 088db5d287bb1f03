"""Writing events to the outbox, consuming them once in effect, and dead letters."""
from __future__ import annotations

import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from monolith.outbox import metrics, wakeup
from monolith.outbox.errors import DeadLetterNotFound
from monolith.outbox.events import DomainEvent
from monolith.outbox.models import DeadLetter, InboxEntry, OutboxEvent
from monolith.outbox.publisher import OutboundMessage, Publisher

__all__ = [
    "dead_letter_record",
    "dead_letter_retry",
    "dead_letter_retry_all",
    "event_record",
    "inbox_claim",
]


def event_record(*, event: DomainEvent) -> OutboxEvent:
    """Write `event` to the outbox inside the caller's transaction; wake the relay after commit.

    The request never talks to the broker: a broker that is down or hangs cannot
    fail or slow it. The relay publishes (monolith.outbox.relay).
    """
    from monolith.outbox import relay

    # The position, taken in the writer's transaction, lets relays publish the
    # events of one aggregate in the order they were written.
    row = OutboxEvent.objects.create(
        aggregate_type=event.aggregate_type,
        aggregate_id=event.aggregate_id,
        event_type=event.event_type,
        payload=event.to_payload(),
        position=relay.next_position(),
    )
    transaction.on_commit(wakeup.relay_wake)
    return row


def inbox_claim(*, consumer: str, event_id) -> bool:
    """Record that `consumer` handled `event_id`; False if it already had.

    Call inside the same transaction as the effect, so the effect and the claim
    commit or roll back together.
    """
    try:
        with transaction.atomic():
            InboxEntry.objects.create(consumer=consumer, event_id=event_id)
    except IntegrityError:
        metrics.record_duplicate(consumer)
        return False
    return True


def dead_letter_record(*, task_name: str, queue: str, consumer: str, message_key: str,
                       kwargs: dict[str, Any], error: str, traceback: str = "",
                       attempts: int) -> DeadLetter:
    """Keep a job that failed for good; the same job failing again updates its row."""
    event_id = kwargs.get("event_id")
    try:
        event_id = uuid.UUID(str(event_id)) if event_id else None
    except ValueError:
        event_id = None
    fields = {"queue": queue, "consumer": consumer, "event_id": event_id, "kwargs": kwargs,
              "error": error[:2000], "traceback": traceback[-20000:], "attempts": attempts,
              "failed_at": timezone.now(), "replayed_at": None}
    for _ in range(2):  # a concurrent first insert of the same job wins; then we update it
        try:
            with transaction.atomic():
                row, _created = DeadLetter.objects.update_or_create(
                    task_name=task_name, message_key=message_key, defaults=fields)
            return row
        except IntegrityError:
            continue
    raise IntegrityError(f"could not record dead letter {task_name} {message_key}")


def _default_publisher() -> Publisher:
    from monolith.outbox.publisher import CeleryPublisher

    return CeleryPublisher()


def dead_letter_retry(*, dead_letter_id: int, publisher: Publisher | None = None) -> DeadLetter:
    """Send a dead letter's job to its queue again; its retries start from zero.

    Raises DeadLetterNotFound when no such dead letter waits, BrokerUnavailable
    when the broker does not take it (the row then stays waiting).
    """
    row = DeadLetter.objects.filter(pk=dead_letter_id, replayed_at__isnull=True).first()
    if row is None:
        raise DeadLetterNotFound(f"no dead letter {dead_letter_id} is waiting for a retry")
    own_publisher = publisher is None
    publisher = publisher or _default_publisher()
    try:
        publisher.publish([OutboundMessage(task=row.task_name, queue=row.queue,
                                           task_id=str(uuid.uuid4()), kwargs=row.kwargs)])
    finally:
        if own_publisher:
            publisher.close()
    # Marked after the broker took it: a crash in between replays twice, and the
    # consumer's inbox absorbs the second.
    DeadLetter.objects.filter(pk=row.pk).update(replayed_at=timezone.now(), replays=row.replays + 1)
    row.refresh_from_db()
    return row


def dead_letter_retry_all(*, publisher: Publisher | None = None) -> list[DeadLetter]:
    """Retry every waiting dead letter, oldest first; stop at the first broker failure."""
    from monolith.outbox.selectors import dead_letter_list

    own_publisher = publisher is None
    publisher = publisher or _default_publisher()
    try:
        return [dead_letter_retry(dead_letter_id=pk, publisher=publisher)
                for pk in list(dead_letter_list().values_list("pk", flat=True))]
    finally:
        if own_publisher:
            publisher.close()
