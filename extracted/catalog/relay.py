"""The catalog service's outbox relay: publish its events to the monolith's read copy.

At least once, in outbox order: an event is marked published only after the broker
took it; the monolith's inbox absorbs a repeat. The web process publishes right
after each write; `python -m extracted.catalog relay` catches up whatever that missed.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

from sqlalchemy import select, update

from extracted.catalog.models import OutboxEvent
from extracted.common.db import Database, utc_now

__all__ = ["COPY_QUEUE", "COPY_TASK", "Send", "message_for", "publish_pending", "relay_forever"]

log = logging.getLogger(__name__)

# The monolith's consumer of these events (monolith/catalog/tasks.py) and its queue
# (monolith/outbox/subscribers.py lists it among the queues its workers consume).
COPY_TASK = "monolith.catalog.tasks.apply_catalog_event"
COPY_QUEUE = "sub.catalog.copy"

Send = Callable[[str, dict, str], None]


def message_for(event: OutboxEvent) -> dict:
    """The keyword arguments every subscriber task receives (the monolith's envelope)."""
    return {
        "event_id": event.id,
        "event_type": event.event_type,
        "aggregate_type": event.aggregate_type,
        "aggregate_id": event.aggregate_id,
        "payload": event.payload,
        "occurred_at": event.created_at.isoformat(),
    }


def publish_pending(db: Database, send: Send, *, batch_size: int = 100) -> int:
    """Publish up to `batch_size` unsent events in order; return how many went out."""
    with db.transaction() as tx:
        query = (select(OutboxEvent).where(OutboxEvent.published_at.is_(None))
                 .order_by(OutboxEvent.position).limit(batch_size))
        if db.is_postgres:
            query = query.with_for_update(skip_locked=True)
        sent = []
        for event in tx.scalars(query):
            try:
                send(COPY_TASK, message_for(event), COPY_QUEUE)
            except Exception as error:  # broker down: keep the row, try later
                tx.execute(update(OutboxEvent).where(OutboxEvent.position == event.position)
                           .values(attempts=event.attempts + 1, last_error=str(error)[:500]))
                log.warning("catalog outbox: broker unavailable, event %s waits: %s", event.id, error)
                break
            sent.append(event.position)
        if sent:
            tx.execute(update(OutboxEvent).where(OutboxEvent.position.in_(sent))
                       .values(published_at=utc_now()))
    return len(sent)


def relay_forever(db: Database, send: Send, *, interval: float, stop: threading.Event) -> None:
    """Publish until `stop` is set, sleeping `interval` seconds when nothing is waiting."""
    while not stop.is_set():
        try:
            if publish_pending(db, send):
                continue
        except Exception:
            log.exception("catalog outbox: relay pass failed; retrying")
        stop.wait(interval)
