"""Two patterns on the same queues: a job queue (one of many workers runs each job) and
publish-subscribe (every subscriber gets every event, each on its own queue)."""
import re

from tests.reliability.conftest import wait_until

COUPONS, MESSAGES = "sub.coupons.welcome", "sub.notifications.welcome"


def _received(worker) -> set[str]:
    return set(re.findall(r"Task monolith\.coupons\.tasks\.issue_welcome_coupon\[([^\]]+)\] received",
                          worker.output()))


def test_workers_sharing_a_queue_each_take_different_jobs_and_every_job_runs_once(stack):
    stack.start_web()
    assert [stack.sign_up(f"job{n}@example.com") for n in range(2)] == [201, 201]
    first = stack.start_worker("first", queues=[COUPONS])
    second = stack.start_worker("second", queues=[COUPONS])

    # While both jobs wait on the database, each worker holds exactly one: with
    # prefetch 1 a busy worker leaves the next job to whoever is free.
    with stack.write_lock("outbox_outboxevent", "outbox_inboxentry"):
        stack.start_relay()
        wait_until(lambda: stack.unacked() == 2 and stack.queue_length(COUPONS) == 0, what="both jobs taken")
        assert len(_received(first)) == 1 and len(_received(second)) == 1

    wait_until(lambda: stack.count("coupons_coupon") == 2, what="two coupons")
    wait_until(lambda: stack.unacked() == 0, what="both acknowledged")
    assert _received(first).isdisjoint(_received(second))
    assert stack.sql("SELECT COUNT(DISTINCT user_id) FROM coupons_coupon") == [(2,)]


def test_every_subscriber_gets_every_event_and_a_dead_one_holds_up_no_other(stack):
    stack.start_web()
    stack.start_relay()
    stack.start_worker("coupons-only", queues=[COUPONS])  # nobody consumes the messages queue yet

    assert [stack.sign_up(f"fan{n}@example.com") for n in range(3)] == [201] * 3
    wait_until(lambda: stack.count("coupons_coupon") == 3, what="coupons while messages wait")
    wait_until(lambda: stack.queue_length(MESSAGES) == 3, what="messages queued for their subscriber")
    assert stack.count("notifications_message") == 0

    stack.start_worker("messages", queues=[MESSAGES])
    wait_until(lambda: stack.count("notifications_message") == 3, what="the late subscriber caught up")
    assert stack.count("outbox_inboxentry", "consumer = ?", ("coupons.welcome",)) == 3
    assert stack.count("outbox_inboxentry", "consumer = ?", ("notifications.welcome",)) == 3
