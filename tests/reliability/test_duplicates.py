"""The same event delivered ten times: one coupon, one message, nine duplicates absorbed."""
import json

from celery import Celery
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

from monolith.outbox.publisher import CeleryPublisher, OutboundMessage
from tests.reliability.conftest import wait_until

QUEUES = {"sub.coupons.welcome": "monolith.coupons.tasks.issue_welcome_coupon",
          "sub.notifications.welcome": "monolith.notifications.tasks.send_welcome_message"}


def _counter(folder, name: str, consumer: str) -> float:
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(folder))
    return registry.get_sample_value(name, {"consumer": consumer}) or 0.0


def test_the_same_event_injected_ten_times_has_the_effect_of_once(stack):
    stack.start_web()
    assert stack.sign_up("echo@example.com") == 201
    event_id, payload, created = stack.sql(
        "SELECT id, payload, created_at FROM outbox_outboxevent WHERE event_type = 'UserSignedUp'")[0]
    body = {"event_id": str(event_id), "event_type": "UserSignedUp", "aggregate_type": "user",
            "aggregate_id": str(json.loads(payload)["user_id"]), "payload": json.loads(payload),
            "occurred_at": str(created)}
    publisher = CeleryPublisher(Celery(broker=stack.redis_url))
    try:
        publisher.publish([OutboundMessage(task=task, queue=queue, task_id=f"copy-{n}", kwargs=body)
                           for n in range(10) for queue, task in QUEUES.items()])
    finally:
        publisher.close()

    stack.start_worker(queues=list(QUEUES))
    wait_until(lambda: all(stack.queue_length(q) == 0 for q in QUEUES) and stack.unacked() == 0,
               what="twenty deliveries handled")

    assert stack.count("coupons_coupon") == 1
    assert stack.count("notifications_message") == 1
    assert stack.count("outbox_inboxentry") == 2
    metrics = stack.root / "metrics"
    wait_until(lambda: _counter(metrics, "strangler_jobs_consumed_total", "coupons.welcome") == 10,
               what="ten deliveries counted")
    assert _counter(metrics, "strangler_jobs_duplicates_total", "coupons.welcome") == 9
    assert _counter(metrics, "strangler_jobs_duplicates_total", "notifications.welcome") == 9
