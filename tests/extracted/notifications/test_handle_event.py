"""Writing messages from the monolith's events: once per event and per natural key."""
import uuid

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from extracted.notifications import texts
from extracted.notifications.models import Message
from extracted.notifications.services import event_handle
from monolith.notifications import texts as monolith_texts


def handle(runtime, event_type, payload, event_id=None):
    with runtime.db.transaction() as tx:
        return event_handle(tx, event_id=event_id or str(uuid.uuid4()), event_type=event_type, payload=payload)


def messages(runtime):
    with runtime.db.transaction() as tx:
        return list(tx.scalars(select(Message).order_by(Message.id)))


def test_a_sign_up_writes_the_welcome_message(runtime):
    assert handle(runtime, "UserSignedUp", {"user_id": 4, "email": "a@example.com", "name": "Ada"}) == "sent"

    [message] = messages(runtime)
    assert (message.user_id, message.kind, message.ref) == (4, "welcome", "welcome")
    assert message.body.startswith("Hi Ada,")


def test_an_order_writes_its_confirmation(runtime):
    handle(runtime, "OrderPlaced", {"order_id": 12, "user_id": 4, "total": "31.49", "item_count": 2})

    [message] = messages(runtime)
    assert (message.title, message.ref) == ("Order #12 confirmed", "order:12")


def test_the_same_event_twice_writes_one_message(runtime):
    event_id = str(uuid.uuid4())
    payload = {"user_id": 4, "email": "a@example.com", "name": "Ada"}

    outcomes = [handle(runtime, "UserSignedUp", payload, event_id) for _ in range(2)]

    assert outcomes == ["sent", "duplicate"] and len(messages(runtime)) == 1


def test_two_events_for_the_same_message_write_it_once(runtime):
    payload = {"order_id": 12, "user_id": 4, "total": "1.00", "item_count": 1}

    outcomes = [handle(runtime, "OrderPlaced", payload) for _ in range(2)]

    assert outcomes == ["sent", "duplicate"] and len(messages(runtime)) == 1


def test_other_events_are_ignored(runtime):
    assert handle(runtime, "OrderCancelled", {"order_id": 1, "user_id": 4}) == "ignored"


@given(st.text(max_size=40), st.integers(1, 10**9), st.decimals(places=2, allow_nan=False, allow_infinity=False))
def test_the_service_words_every_message_as_the_monolith_does(name, order_id, total):
    assert texts.welcome(name) == monolith_texts.welcome(name)
    assert texts.order_confirmation(order_id, str(total)) == monolith_texts.order_confirmation(order_id, str(total))
