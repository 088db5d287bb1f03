"""The start counter: a job that kills its worker every time is dead-lettered instead of coming back forever."""
import uuid
from collections import Counter

import pytest
from django.db import transaction
from django.utils import timezone

from monolith.outbox.consumer import subscriber_task
from monolith.outbox.models import DeadLetter, JobStart
from monolith.outbox.publisher import CeleryPublisher, InMemoryPublisher, OutboundMessage
from monolith.outbox.services import dead_letter_record, dead_letter_retry, job_start_clear, job_start_record
from tests.helpers import wait_for

TASK = "tests.outbox.counted"
QUEUE = "sub.tests.counted"
RUNS: Counter = Counter()
FAILURES_WANTED: dict[str, int] = {}


@subscriber_task(name=TASK)
def counted(*, event_id: str, payload: dict, **envelope) -> None:
    RUNS[event_id] += 1
    if RUNS[event_id] <= FAILURES_WANTED.get(event_id, 0):
        raise RuntimeError(f"run {RUNS[event_id]} failed")


def _start(key: str = "e1", task: str = TASK) -> int:
    return job_start_record(task_name=task, message_key=key)


def test_each_start_is_counted_until_the_job_finishes(db):
    assert [_start() for _ in range(3)] == [1, 2, 3]

    job_start_clear(task_name=TASK, message_key="e1")

    assert _start() == 1
    row = JobStart.objects.get()
    assert (row.task_name, row.message_key, row.starts) == (TASK, "e1", 1)


def test_jobs_are_counted_apart_by_task_and_message_key(db):
    _start("e1")
    _start("e1")

    assert (_start("e2"), _start("e1", task="other.task"), _start("e1")) == (1, 1, 3)
    assert JobStart.objects.count() == 3


def test_clearing_a_job_forgets_its_starts_and_no_other_jobs(db):
    _start("e1")
    _start("e1")
    _start("e2")

    job_start_clear(task_name=TASK, message_key="e1")

    assert _start("e1") == 1 and JobStart.objects.get(message_key="e2").starts == 1


def test_a_start_is_never_counted_inside_the_callers_transaction(db):
    # The caller's transaction could roll the count back with the job: refused, nothing written.
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        _start()

    assert JobStart.objects.count() == 0


def test_a_count_stays_when_the_jobs_own_work_rolls_back(db):
    with pytest.raises(ZeroDivisionError):
        _start()
        with transaction.atomic():
            DeadLetter.objects.all().delete()  # any write of the job's
            1 / 0

    assert JobStart.objects.get().starts == 1


def test_retrying_a_dead_letter_clears_its_start_count(db):
    event_id = str(uuid.uuid4())
    for _ in range(4):
        _start(event_id)
    letter = dead_letter_record(task_name=TASK, queue=QUEUE, consumer="tests.counted", message_key=event_id,
                                kwargs={"event_id": event_id, "payload": {}}, error="WorkerLost", attempts=3)

    dead_letter_retry(dead_letter_id=letter.pk, publisher=InMemoryPublisher())

    assert not JobStart.objects.filter(message_key=event_id).exists()


def _send(app, event_id: str, *, fail: int = 0) -> None:
    FAILURES_WANTED[event_id] = fail
    publisher = CeleryPublisher(app)
    try:
        publisher.publish([OutboundMessage(task=TASK, queue=QUEUE, task_id=str(uuid.uuid4()),
                                           kwargs={"event_id": event_id, "payload": {}})])
    finally:
        publisher.close()


def _broker_empty(app) -> bool:
    with app.connection_for_write() as conn:
        client = conn.default_channel.client
        return client.llen(QUEUE) == 0 and client.hlen("unacked") == 0


def test_a_job_that_finishes_leaves_no_start_counted_and_its_copies_run_as_often_as_they_come(worker_on,
                                                                                            jobs_settings):
    jobs_settings(max_starts=1)
    app = worker_on(QUEUE)
    event_id = str(uuid.uuid4())

    for _ in range(3):
        _send(app, event_id)

    wait_for(lambda: RUNS[event_id] == 3)
    wait_for(lambda: _broker_empty(app))
    assert DeadLetter.objects.count() == 0 and JobStart.objects.count() == 0


def test_retries_after_ordinary_failures_are_not_taken_for_a_killed_worker(worker_on, jobs_settings):
    jobs_settings(max_starts=1, max_retries=3, retry_base_seconds=0.05, retry_max_seconds=0.1)
    app = worker_on(QUEUE)
    event_id = str(uuid.uuid4())

    _send(app, event_id, fail=2)

    wait_for(lambda: RUNS[event_id] == 3)
    wait_for(lambda: _broker_empty(app))
    assert DeadLetter.objects.count() == 0 and JobStart.objects.count() == 0


def test_a_job_started_past_the_limit_is_dead_lettered_without_running_and_acknowledged(worker_on,
                                                                                        jobs_settings):
    jobs_settings(max_starts=2)
    app = worker_on(QUEUE)
    event_id = str(uuid.uuid4())
    # Two earlier starts that never finished: the worker died under each.
    JobStart.objects.create(task_name=TASK, message_key=event_id, starts=2, last_started_at=timezone.now())

    _send(app, event_id)

    letter = wait_for(lambda: DeadLetter.objects.filter(message_key=event_id).first())
    wait_for(lambda: _broker_empty(app))
    assert RUNS[event_id] == 0
    assert JobStart.objects.get(message_key=event_id).starts == 3  # kept: copies are turned away too
    assert letter.error.startswith("WorkerLost: killed its worker 2 times")
    assert "STRANGLER_JOBS_MAX_STARTS=2" in letter.error and letter.traceback == ""
    assert (letter.task_name, letter.queue, letter.consumer, letter.attempts) == (TASK, QUEUE, "tests.counted", 2)
    assert letter.kwargs == {"event_id": event_id, "payload": {}}

    dead_letter_retry(dead_letter_id=letter.pk, publisher=CeleryPublisher(app))

    wait_for(lambda: RUNS[event_id] == 1)
    wait_for(lambda: _broker_empty(app))
    assert RUNS[event_id] == 1 and JobStart.objects.count() == 0
