"""The notifications service's worker task: write the message an event calls for.

`extracted.notifications.tasks.handle_event` is the task the monolith routes
UserSignedUp and OrderPlaced to (queue sub.notifications.service) once
STRANGLER_NOTIFICATIONS_WRITER=service. It is safe to run twice: the inbox
records the event and the message's natural key is unique, in one transaction.
"""
from __future__ import annotations

import logging

from sqlalchemy.exc import OperationalError

from extracted.notifications.runtime import NotificationsRuntime
from extracted.notifications.services import event_handle

__all__ = ["HANDLE_TASK", "register_tasks"]

log = logging.getLogger(__name__)

HANDLE_TASK = "extracted.notifications.tasks.handle_event"


def register_tasks(runtime: NotificationsRuntime):
    """Register the task on the runtime's Celery app; return it."""

    # A locked SQLite file or a database restart is worth a retry; the inbox makes it safe.
    @runtime.celery.task(name=HANDLE_TASK, acks_late=True, autoretry_for=(OperationalError,),
                         retry_backoff=True, retry_backoff_max=30, max_retries=20)
    def handle_event(*, event_id: str, event_type: str, payload: dict, **envelope) -> str:
        with runtime.db.transaction() as tx:
            outcome = event_handle(tx, event_id=event_id, event_type=event_type, payload=payload)
        log.info("notifications: %s %s %s", event_type, envelope.get("aggregate_id"), outcome)
        return outcome

    return handle_event
