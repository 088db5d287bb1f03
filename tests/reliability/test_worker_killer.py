"""A job that kills its worker every time it starts: dead-lettered after N starts, not redelivered forever.

Late acknowledgement gives a job back whenever its worker dies, so without the start
counter this job would take down a pool process again and again for ever. The job
(tests/reliability/worker_killer.py) sends SIGKILL to its own pool process while a
switch file exists, as a segfault or the OOM killer would.
"""
import json
import uuid

from tests.reliability.conftest import wait_until
from tests.reliability.worker_killer import SWITCH_ENV, TASK

QUEUE = "sub.tests.worker_killer"
SHOP_QUEUES = ["sub.coupons.welcome", "sub.notifications.welcome"]
MAX_STARTS = 3


def _send(stack, event_id: str) -> None:
    """Enqueue the job the way the relay enqueues a subscriber's: to its queue, keyed by event id."""
    from celery import Celery

    from monolith.outbox.publisher import CeleryPublisher, OutboundMessage

    publisher = CeleryPublisher(Celery("sender", broker=stack.redis_url, set_as_current=False))
    try:
        publisher.publish([OutboundMessage(task=TASK, queue=QUEUE, task_id=f"{event_id}:tests.worker_killer",
                                           kwargs={"event_id": event_id, "payload": {}})])
    finally:
        publisher.close()


def _lines(path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def _drained(stack) -> bool:
    return stack.unacked() == 0 and all(stack.queue_length(q) == 0 for q in [QUEUE, *SHOP_QUEUES])


def test_a_job_that_kills_its_worker_every_time_is_dead_lettered_after_n_starts_and_retried_once_fixed(stack):
    switch = stack.root / "kill.switch"
    switch.touch()
    starts, done = switch.with_suffix(".starts"), switch.with_suffix(".done")
    stack.start_web()
    stack.start_relay()
    worker = stack.start_worker(queues=[QUEUE, *SHOP_QUEUES], include=["tests.reliability.worker_killer"],
                                extra_env={SWITCH_ENV: str(switch), "STRANGLER_JOBS_MAX_STARTS": str(MAX_STARTS)})
    event_id = str(uuid.uuid4())

    _send(stack, event_id)
    assert stack.sign_up("bystander@example.com") == 201  # an ordinary job while the killer loops

    wait_until(lambda: stack.count("outbox_deadletter") == 1, timeout=120, what="dead letter written")
    # Started MAX_STARTS times, each start killed its pool process; the next start was turned away.
    assert _lines(starts) == [event_id] * MAX_STARTS and _lines(done) == []
    assert "WorkerLostError" in worker.output()
    [(letter_id, error, attempts, consumer, queue)] = stack.sql(
        "SELECT id, error, attempts, consumer, queue FROM outbox_deadletter")
    assert error.startswith(f"WorkerLost: killed its worker {MAX_STARTS} times")
    assert (attempts, consumer, queue) == (MAX_STARTS, "tests.worker_killer", QUEUE)
    [(counted,)] = stack.sql("SELECT starts FROM outbox_jobstart WHERE message_key = ?", (event_id,))
    assert counted == MAX_STARTS + 1

    # The worker lived on (its parent replaced each pool process) and served the other jobs.
    user_id = stack.sql("SELECT id FROM accounts_user WHERE email = ?", ("bystander@example.com",))[0][0]
    wait_until(lambda: stack.count("coupons_coupon", "user_id = ?", (user_id,)) == 1, what="bystander's coupon")
    wait_until(lambda: _drained(stack), what="every job acknowledged, the killer too")
    assert worker.alive()

    listed = stack.strangler("jobs", "dead-letters", "--json")
    assert listed.returncode == 0, listed.stderr
    [row] = json.loads(listed.stdout)
    assert row["id"] == letter_id and row["event_id"] == event_id and "killed its worker" in row["error"]

    switch.unlink()  # the cause is fixed
    retried = stack.strangler("jobs", "retry", str(letter_id))
    assert retried.returncode == 0, retried.stderr

    wait_until(lambda: _lines(done) == [event_id], what="the job ran after the retry")
    wait_until(lambda: _drained(stack), what="the retried job acknowledged")
    assert _lines(done) == [event_id] and len(_lines(starts)) == MAX_STARTS
    assert stack.count("outbox_jobstart", "message_key = ?", (event_id,)) == 0  # finished: nothing counted
    assert stack.count("outbox_inboxentry", "consumer = ?", ("tests.worker_killer",)) == 1
    assert json.loads(stack.strangler("jobs", "dead-letters", "--json").stdout) == []
    assert worker.alive()
