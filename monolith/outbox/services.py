"""Writing events to the outbox, and consuming them exactly once in effect."""
from __future__ import annotations

from django.db import IntegrityError, transaction

from monolith.outbox.events import DomainEvent
from monolith.outbox.models import InboxEntry, OutboxEvent

__all__ = ["event_record", "inbox_claim"]


def event_record(*, event: DomainEvent) -> OutboxEvent:
    """Write `event` to the outbox inside the caller's transaction; publish after commit."""
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
    transaction.on_commit(relay.publish_soon)
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
        return False
    return True
