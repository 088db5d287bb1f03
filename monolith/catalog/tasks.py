"""Catalog side jobs: keep the read copy current from the catalog service's events."""
from monolith.catalog.sync import catalog_apply_service_event
from monolith.outbox.consumer import subscriber_task


@subscriber_task(name="monolith.catalog.tasks.apply_catalog_event")
def apply_catalog_event(*, event_id: str, event_type: str, payload: dict, **envelope) -> str:
    return catalog_apply_service_event(event_id=event_id, event_type=event_type, payload=payload)
