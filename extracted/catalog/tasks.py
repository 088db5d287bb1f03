"""The catalog service's worker task: apply the monolith's product events.

The monolith's relay sends ProductChanged/ProductDeleted here (queue sub.catalog.sync)
with its usual envelope. Applying is idempotent (inbox) and ordered per product
(version), so a redelivered or late event changes nothing.
"""
from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError, OperationalError

from extracted.catalog.runtime import CatalogRuntime
from extracted.catalog.sync import event_apply

__all__ = ["APPLY_TASK", "register_tasks"]

log = logging.getLogger(__name__)

APPLY_TASK = "extracted.catalog.tasks.apply_product_event"


def register_tasks(runtime: CatalogRuntime):
    """Register the task on the runtime's Celery app; return it."""

    # A locked SQLite file or two writers racing on one new row are worth a retry.
    @runtime.celery.task(name=APPLY_TASK, acks_late=True, autoretry_for=(OperationalError, IntegrityError),
                         retry_backoff=True, retry_backoff_max=30, max_retries=20)
    def apply_product_event(*, event_id: str, event_type: str, payload: dict, **envelope) -> str:
        with runtime.db.transaction() as tx:
            outcome = event_apply(tx, event_id=event_id, event_type=event_type, payload=payload)
        log.info("catalog sync: %s %s %s", event_type, envelope.get("aggregate_id"), outcome)
        return outcome

    return apply_product_event
