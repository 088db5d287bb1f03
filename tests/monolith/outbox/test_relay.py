import uuid

import pytest
from django.db import transaction

from monolith.outbox import relay, subscribers
from monolith.outbox.errors import BrokerUnavailable
from monolith.outbox.events import UserSignedUp
from monolith.outbox.models import OutboxEvent
from monolith.outbox.publisher import InMemoryPublisher
from monolith.outbox.services import event_record
from monolith.outbox.subscribers import Subscription


def test_an_event_goes_to_every_subscribers_own_queue_and_is_then_marked_sent(record_sign_up):
    event = record_sign_up()
    publisher = InMemoryPublisher()

    assert relay.publish_pending(publisher=publisher) == 1

    assert sorted(m.queue for m in publisher.sent) == ["sub.coupons.welcome", "sub.notifications.welcome"]
    assert {m.kwargs["event_id"] for m in publisher.sent} == {str(event.pk)}
    assert OutboxEvent.objects.get(pk=event.pk).published_at is not None
    assert relay.publish_pending(publisher=publisher) == 0


def test_each_redelivery_of_an_event_to_a_subscriber_carries_the_same_task_id(record_sign_up):
    event = record_sign_up()

    first, again = relay.messages_for(event), relay.messages_for(event)

    assert [m.task_id for m in first] == [m.task_id for m in again]
    assert len({m.task_id for m in first}) == len(first)


def test_events_leave_in_the_order_they_were_written(record_sign_up):
    events = [record_sign_up() for _ in range(5)]
    publisher = InMemoryPublisher()

    relay.publish_pending(publisher=publisher)

    coupons = [m.kwargs["event_id"] for m in publisher.sent if m.queue == "sub.coupons.welcome"]
    assert coupons == [str(e.pk) for e in events]


def test_a_batch_publishes_at_most_its_size_and_leaves_the_rest_for_the_next(record_sign_up):
    for _ in range(5):
        record_sign_up()

    assert relay.publish_pending(publisher=InMemoryPublisher(), batch_size=2) == 2
    assert OutboxEvent.objects.filter(published_at__isnull=True).count() == 3


def test_a_broker_failure_marks_nothing_sent_and_counts_the_attempt(record_sign_up):
    event = record_sign_up()

    with pytest.raises(BrokerUnavailable):
        relay.publish_pending(publisher=InMemoryPublisher(fail_with=ConnectionError("refused")))

    row = OutboxEvent.objects.get(pk=event.pk)
    assert row.published_at is None and row.attempts == 1 and "refused" in row.last_error


def test_a_new_subscriber_gets_events_with_no_change_to_the_publisher(record_sign_up, monkeypatch):
    audit = Subscription("audit.sign_ups", "tests.audit_sign_up")
    monkeypatch.setitem(subscribers._SUBSCRIPTIONS, "UserSignedUp",
                        [*subscribers._SUBSCRIPTIONS["UserSignedUp"], audit])
    record_sign_up()
    publisher = InMemoryPublisher()

    relay.publish_pending(publisher=publisher)

    assert [m.task for m in publisher.sent if m.queue == "sub.audit.sign_ups"] == ["tests.audit_sign_up"]


def test_an_event_whose_transaction_rolls_back_never_exists(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        event_record(event=UserSignedUp(user_id=1, email="a@example.com", name="A"))
        raise RuntimeError("the sign-up failed after writing its event")

    assert OutboxEvent.objects.count() == 0


def test_an_event_is_held_back_while_an_earlier_one_of_its_aggregate_is_unsent_elsewhere(record_sign_up):
    first, second = record_sign_up(user_id=7), record_sign_up(user_id=7)
    other = record_sign_up(user_id=8)

    assert relay._held_back([second, other]) == {second.pk}
    assert relay._held_back([first, second, other]) == set()


def test_the_request_only_writes_the_outbox_and_leaves_publishing_to_the_relay(db, api, redis_url):
    import redis

    response = api.post("/api/v1/accounts/signup/", {"email": "quiet@example.com", "password": "correct-horse-9"},
                        format="json")

    assert response.status_code == 201
    assert OutboxEvent.objects.filter(published_at__isnull=True).count() == 1
    broker = redis.Redis.from_url(redis_url)
    assert broker.llen("sub.coupons.welcome") == 0 and broker.llen("sub.notifications.welcome") == 0


def test_the_relay_is_woken_after_commit_and_not_for_a_rollback(db, jobs_settings,
                                                               django_capture_on_commit_callbacks):
    from monolith.outbox.wakeup import WakeListener

    listener = WakeListener(("127.0.0.1", 0))
    port = listener.sock.getsockname()[1]
    jobs_settings(relay_wake_address=f"127.0.0.1:{port}")
    try:
        with django_capture_on_commit_callbacks(execute=False) as rolled_back:
            with pytest.raises(RuntimeError), transaction.atomic():
                event_record(event=UserSignedUp(user_id=1, email="a@example.com", name="A"))
                raise RuntimeError
        with django_capture_on_commit_callbacks(execute=True) as committed:
            with transaction.atomic():
                event_record(event=UserSignedUp(user_id=2, email="b@example.com", name="B"))

        assert rolled_back == [] and len(committed) == 1
        assert listener.wait(5.0) is True
    finally:
        listener.close()


def test_message_bodies_carry_the_whole_envelope(record_sign_up):
    event = record_sign_up(user_id=3)

    body = relay.message_for(event)

    assert set(body) == {"event_id", "event_type", "aggregate_type", "aggregate_id", "payload", "occurred_at"}
    assert uuid.UUID(body["event_id"]) == event.pk and body["payload"]["user_id"] == 3
