"""A worker killed with SIGKILL in the middle of a side job: the job runs again, once in effect.

The job is caught mid-way without hooks in the code: the test holds the database's
write lock, so the job (which writes its inbox row and its effect in one
transaction) waits inside its transaction until the worker is killed.
"""
from tests.reliability.conftest import wait_until

QUEUES = ["sub.coupons.welcome", "sub.notifications.welcome"]


def _one_welcome_each(stack, user_id: int) -> bool:
    return (stack.count("coupons_coupon", "user_id = ?", (user_id,)) == 1
            and stack.count("notifications_message", "user_id = ?", (user_id,)) == 1)


def _signed_up_with_jobs_queued(stack) -> int:
    stack.start_web()
    stack.start_relay()
    assert stack.sign_up("crash@example.com") == 201
    wait_until(lambda: stack.queue_length(QUEUES[0]) == 1 and stack.queue_length(QUEUES[1]) == 1,
               what="both jobs queued")
    return stack.sql("SELECT id FROM accounts_user WHERE email = ?", ("crash@example.com",))[0][0]


def test_a_worker_killed_mid_job_runs_the_job_exactly_once_after_a_restart(stack):
    user_id = _signed_up_with_jobs_queued(stack)

    with stack.write_lock("outbox_inboxentry"):
        worker = stack.start_worker("doomed", queues=QUEUES)
        # Taken from the queue, not acknowledged: the job is running, stuck on the lock.
        wait_until(lambda: stack.unacked() >= 1 and stack.queue_length(QUEUES[0]) == 0,
                   what="a job in flight")
        worker.kill9()
    assert stack.count("coupons_coupon") == 0

    stack.start_worker("replacement", queues=QUEUES)
    # Redis hands the unacknowledged jobs out again after the visibility timeout.
    wait_until(lambda: _one_welcome_each(stack, user_id), timeout=60, what="welcome coupon and message")
    wait_until(lambda: stack.unacked() == 0, what="every job acknowledged")

    assert stack.count("coupons_coupon", "user_id = ?", (user_id,)) == 1
    assert stack.count("notifications_message", "user_id = ?", (user_id,)) == 1
    assert stack.count("outbox_inboxentry") == 2


def test_a_pool_process_killed_mid_job_is_requeued_at_once_and_runs_exactly_once(stack):
    user_id = _signed_up_with_jobs_queued(stack)

    with stack.write_lock("outbox_inboxentry"):
        worker = stack.start_worker("survivor", queues=QUEUES)
        wait_until(lambda: stack.unacked() >= 1, what="a job in flight")
        [child] = worker.children()
        import os
        import signal

        os.kill(child, signal.SIGKILL)
        # The parent sees its pool process die and gives the job back (reject_on_worker_lost).
        wait_until(lambda: "WorkerLostError" in worker.output(), what="worker lost noticed")

    wait_until(lambda: _one_welcome_each(stack, user_id), timeout=60, what="welcome coupon and message")
    wait_until(lambda: stack.unacked() == 0, what="every job acknowledged")

    assert worker.alive()
    assert stack.count("coupons_coupon", "user_id = ?", (user_id,)) == 1
    assert stack.count("notifications_message", "user_id = ?", (user_id,)) == 1
