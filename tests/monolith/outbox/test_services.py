import uuid

import pytest

from monolith.outbox.errors import BrokerUnavailable, DeadLetterNotFound
from monolith.outbox.models import DeadLetter, InboxEntry
from monolith.outbox.publisher import InMemoryPublisher
from monolith.outbox.selectors import dead_letter_list, outbox_stats
from monolith.outbox.services import (
    dead_letter_record,
    dead_letter_retry,
    dead_letter_retry_all,
    inbox_claim,
)


def _dead(event_id: str | None = None, **changes) -> DeadLetter:
    event_id = event_id or str(uuid.uuid4())
    fields = {"task_name": "monolith.coupons.tasks.issue_welcome_coupon", "queue": "sub.coupons.welcome",
              "consumer": "coupons.welcome", "message_key": event_id,
              "kwargs": {"event_id": event_id, "payload": {"user_id": 1}}, "error": "boom", "attempts": 9}
    return dead_letter_record(**{**fields, **changes})


def test_a_consumer_claims_an_event_once(db):
    event_id = uuid.uuid4()

    assert [inbox_claim(consumer="c", event_id=event_id) for _ in range(3)] == [True, False, False]
    assert inbox_claim(consumer="other", event_id=event_id) is True
    assert InboxEntry.objects.count() == 2


def test_the_same_job_dying_again_updates_its_dead_letter_instead_of_adding_one(db):
    event_id = str(uuid.uuid4())
    first = _dead(event_id)
    DeadLetter.objects.filter(pk=first.pk).update(replayed_at="2026-01-01T00:00:00Z", replays=1)

    again = _dead(event_id, error="boom again", attempts=3)

    assert again.pk == first.pk and DeadLetter.objects.count() == 1
    assert (again.error, again.attempts, again.replayed_at, again.replays) == ("boom again", 3, None, 1)


def test_retrying_a_dead_letter_sends_its_job_to_its_queue_and_marks_it_replayed(db):
    letter = _dead()
    publisher = InMemoryPublisher()

    retried = dead_letter_retry(dead_letter_id=letter.pk, publisher=publisher)

    [message] = publisher.sent
    assert (message.task, message.queue, message.kwargs) == (letter.task_name, letter.queue, letter.kwargs)
    assert retried.replayed_at is not None and retried.replays == 1
    assert list(dead_letter_list()) == [] and list(dead_letter_list(include_replayed=True)) == [retried]


def test_retrying_an_unknown_or_already_replayed_dead_letter_is_refused(db):
    letter = _dead()
    dead_letter_retry(dead_letter_id=letter.pk, publisher=InMemoryPublisher())

    for missing in (letter.pk, 987654):
        with pytest.raises(DeadLetterNotFound):
            dead_letter_retry(dead_letter_id=missing, publisher=InMemoryPublisher())


def test_a_dead_letter_the_broker_would_not_take_keeps_waiting(db):
    letter = _dead()

    with pytest.raises(BrokerUnavailable):
        dead_letter_retry(dead_letter_id=letter.pk, publisher=InMemoryPublisher(fail_with=OSError("down")))

    assert DeadLetter.objects.get(pk=letter.pk).replayed_at is None
    assert outbox_stats().dead_letters == 1


def test_retry_all_sends_every_waiting_dead_letter_oldest_first(db):
    letters = [_dead() for _ in range(3)]
    publisher = InMemoryPublisher()

    done = dead_letter_retry_all(publisher=publisher)

    assert [d.pk for d in done] == [d.pk for d in letters]
    assert [m.kwargs for m in publisher.sent] == [d.kwargs for d in letters]
    assert outbox_stats().dead_letters == 0


def test_a_job_without_an_event_id_is_kept_under_its_task_id(db):
    letter = _dead(message_key="celery-task-id", kwargs={"order": 3})

    assert letter.event_id is None and letter.message_key == "celery-task-id"
