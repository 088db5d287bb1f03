"""The subscriber task profile: backoff, retries, dead letters, on a real worker and real Redis."""
import uuid
from collections import Counter

import pytest
from hypothesis import given, strategies as st

from monolith.outbox.consumer import retry_delay, subscriber_task
from monolith.outbox.models import DeadLetter
from monolith.outbox.publisher import CeleryPublisher, OutboundMessage
from tests.helpers import wait_for

QUEUE = "sub.tests.flaky"
ATTEMPTS: Counter = Counter()
FAILURES_WANTED: dict[str, int] = {}


@subscriber_task(name="tests.outbox.flaky")
def flaky(*, event_id: str, payload: dict, **envelope) -> str:
    ATTEMPTS[event_id] += 1
    if ATTEMPTS[event_id] <= FAILURES_WANTED.get(event_id, 0):
        raise RuntimeError(f"attempt {ATTEMPTS[event_id]} failed")
    return "done"


def _send(app, event_id: str, fail: int) -> None:
    FAILURES_WANTED[event_id] = fail
    publisher = CeleryPublisher(app)
    try:
        publisher.publish([OutboundMessage(task="tests.outbox.flaky", queue=QUEUE, task_id=str(uuid.uuid4()),
                                           kwargs={"event_id": event_id, "payload": {}})])
    finally:
        publisher.close()


@given(retries=st.integers(min_value=0, max_value=200),
       base=st.floats(min_value=0.001, max_value=100), cap=st.floats(min_value=0.001, max_value=3600),
       rand=st.floats(min_value=0, max_value=1))
def test_a_retry_delay_grows_exponentially_with_jitter_and_never_passes_the_cap(retries, base, cap, rand):
    step = min(cap, base * 2 ** min(retries, 32))

    delay = retry_delay(retries, base=base, cap=cap, rand=lambda: rand)

    assert step / 2 <= delay <= step <= cap


def test_the_smallest_possible_delay_doubles_until_the_cap():
    lows = [retry_delay(n, base=1, cap=60, rand=lambda: 0.0) for n in range(8)]

    assert lows == [0.5, 1, 2, 4, 8, 16, 30, 30]


def test_only_idempotent_subscriber_tasks_acknowledge_late_and_requeue_on_worker_loss():
    from monolith.celery import app

    # Look the tasks up in the monolith's own app: a shared_task proxy follows whichever
    # Celery app is current, and other tests start the extracted services' workers in-process.
    subscribers = ("monolith.coupons.tasks.issue_welcome_coupon",
                   "monolith.notifications.tasks.send_welcome_message",
                   "monolith.notifications.tasks.send_order_confirmation")
    for name in subscribers:
        task = app.tasks[name]
        assert (task.acks_late, task.reject_on_worker_lost, task.acks_on_timeout) == (True, True, False)
    relay_tick = app.tasks["monolith.outbox.tasks.relay_tick"]
    assert relay_tick.acks_late is False and relay_tick.reject_on_worker_lost is not True
    assert app.conf.task_acks_late is False and app.conf.task_reject_on_worker_lost is False
    assert app.conf.worker_prefetch_multiplier == 1


def test_a_subscriber_task_called_as_a_function_just_runs():
    assert flaky(event_id="direct", payload={}) == "done"


def test_a_job_that_fails_twice_is_retried_and_then_succeeds(worker_on, jobs_settings):
    jobs_settings(max_retries=3, retry_base_seconds=0.05, retry_max_seconds=0.1)
    app = worker_on(QUEUE)
    event_id = str(uuid.uuid4())

    _send(app, event_id, fail=2)

    wait_for(lambda: ATTEMPTS[event_id] == 3)
    assert DeadLetter.objects.count() == 0


def test_a_job_that_keeps_failing_lands_in_the_dead_letter_table_after_the_last_retry(worker_on, jobs_settings):
    jobs_settings(max_retries=2, retry_base_seconds=0.05, retry_max_seconds=0.1)
    app = worker_on(QUEUE)
    event_id = str(uuid.uuid4())

    _send(app, event_id, fail=99)

    letter = wait_for(lambda: DeadLetter.objects.filter(message_key=event_id).first())
    assert ATTEMPTS[event_id] == 3
    assert (letter.task_name, letter.queue, letter.consumer, letter.attempts) == (
        "tests.outbox.flaky", QUEUE, "tests.flaky", 3)
    assert letter.kwargs == {"event_id": event_id, "payload": {}}
    assert "RuntimeError: attempt 3 failed" in letter.error and "Traceback" in letter.traceback


def test_a_dead_letter_retried_after_the_cause_is_fixed_runs_again(worker_on, jobs_settings):
    from monolith.outbox.services import dead_letter_retry

    jobs_settings(max_retries=0, retry_base_seconds=0.05, retry_max_seconds=0.1)
    app = worker_on(QUEUE)
    event_id = str(uuid.uuid4())
    _send(app, event_id, fail=1)
    letter = wait_for(lambda: DeadLetter.objects.filter(message_key=event_id).first())

    dead_letter_retry(dead_letter_id=letter.pk, publisher=CeleryPublisher(app))

    wait_for(lambda: ATTEMPTS[event_id] == 2)
    letter.refresh_from_db()
    assert letter.replayed_at is not None and letter.replays == 1
