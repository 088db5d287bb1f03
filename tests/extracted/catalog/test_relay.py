"""The catalog service's relay: its events leave in order, once the broker took them."""
from sqlalchemy import select

from extracted.catalog.models import OutboxEvent
from extracted.catalog.relay import COPY_QUEUE, COPY_TASK, publish_pending


def _unsent(runtime) -> list[OutboxEvent]:
    with runtime.db.transaction() as tx:
        return list(tx.scalars(select(OutboxEvent).where(OutboxEvent.published_at.is_(None))))


def test_events_go_to_the_monolith_in_order_with_its_envelope(make_catalog, staff):
    app = make_catalog(CATALOG_PUBLISH_AFTER_COMMIT="0")
    runtime = app.extensions["catalog"]
    for name in ("One", "Two"):
        app.test_client().post("/api/v1/catalog/products/", headers=staff, json={"name": name, "price": "1"})
    sent = []

    count = publish_pending(runtime.db, lambda task, kwargs, queue: sent.append((task, queue, kwargs)))

    assert count == 2 and _unsent(runtime) == []
    assert [(t, q) for t, q, _ in sent] == [(COPY_TASK, COPY_QUEUE)] * 2
    assert [k["payload"]["product"]["name"] for _, _, k in sent] == ["One", "Two"]
    assert set(sent[0][2]) == {"event_id", "event_type", "aggregate_type", "aggregate_id", "payload",
                               "occurred_at"}


def test_a_write_publishes_its_event_right_after_commit(client, runtime, staff):
    client.post("/api/v1/catalog/products/", headers=staff, json={"name": "One", "price": "1"})

    assert _unsent(runtime) == []


def test_a_broker_that_is_down_leaves_the_events_for_later(make_catalog, staff):
    app = make_catalog(CATALOG_PUBLISH_AFTER_COMMIT="0")
    runtime = app.extensions["catalog"]
    app.test_client().post("/api/v1/catalog/products/", headers=staff, json={"name": "One", "price": "1"})

    def down(task, kwargs, queue):
        raise ConnectionError("broker down")

    assert publish_pending(runtime.db, down) == 0
    [event] = _unsent(runtime)
    assert event.attempts == 1 and "broker down" in event.last_error
    sent = []
    assert publish_pending(runtime.db, lambda *message: sent.append(message)) == 1
    assert _unsent(runtime) == [] and sent[0][1]["event_id"] == event.id
