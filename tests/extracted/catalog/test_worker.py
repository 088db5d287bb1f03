"""A real Celery worker applies the monolith's product events from Redis."""
import uuid

from celery import Celery
from celery.contrib.testing.worker import start_worker

from sqlalchemy import func, select

from extracted.catalog.models import InboxEntry, Product
from extracted.catalog.runtime import SYNC_QUEUE
from extracted.catalog.tasks import APPLY_TASK, register_tasks
from tests.helpers import wait_for


def _event(version: int) -> dict:
    snapshot = {"id": 3, "name": f"Kettle v{version}", "description": "", "price": "20.00", "stock": 1,
                "category": None, "created_at": "2026-01-05T09:00:00Z", "updated_at": "2026-01-05T09:00:00Z",
                "version": version}
    return {"event_id": str(uuid.uuid4()), "event_type": "ProductChanged", "aggregate_type": "product",
            "aggregate_id": "3", "payload": {"product_id": 3, "product": snapshot, "version": version,
                                             "origin": "monolith"},
            "occurred_at": "2026-01-05T09:00:00+00:00"}


def test_the_worker_applies_each_event_once_and_keeps_the_newest(make_catalog, redis_url):
    runtime = make_catalog(CELERY_BROKER_URL=redis_url).extensions["catalog"]
    register_tasks(runtime)
    # The monolith's relay side: another Celery app on the same broker.
    monolith = Celery("monolith-side", broker=redis_url, set_as_current=False)
    newest, older = _event(2), _event(1)

    with start_worker(runtime.celery, pool="solo", perform_ping_check=False, queues=[SYNC_QUEUE],
                      shutdown_timeout=10):
        for message in (newest, older, newest):
            monolith.send_task(APPLY_TASK, kwargs=message, queue=SYNC_QUEUE)

        def applied():
            with runtime.db.transaction() as tx:
                product = tx.get(Product, 3)
                handled = tx.scalar(select(func.count()).select_from(InboxEntry))
                return product is not None and handled == 2 and product

        product = wait_for(applied, timeout=30)
    assert product.name == "Kettle v2" and product.version == 2
