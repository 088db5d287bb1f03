"""The broker stops during sign-ups: every sign-up succeeds, every side job runs once when it returns.

Uses a redis-server of its own (append-only, fsync always), never the shared one.
"""
from tests.reliability.conftest import wait_until

QUEUES = ["sub.coupons.welcome", "sub.notifications.welcome"]
BEFORE, DURING = 5, 10


def test_sign_ups_succeed_while_the_broker_is_down_and_each_welcome_appears_once_after(make_stack,
                                                                                     throwaway_redis):
    stack = make_stack(redis_url=throwaway_redis.url)
    stack.start_web()
    relay = stack.start_relay()
    stack.start_worker(queues=QUEUES)
    statuses = [stack.sign_up(f"before{n}@example.com") for n in range(BEFORE)]
    wait_until(lambda: stack.count("coupons_coupon") == BEFORE, what="coupons before the outage")

    throwaway_redis.kill()
    statuses += [stack.sign_up(f"during{n}@example.com") for n in range(DURING)]
    wait_until(lambda: "broker unavailable" in relay.output(), what="relay noticed the outage")
    assert stack.count("outbox_outboxevent", "published_at IS NULL") == DURING

    throwaway_redis.start()
    total = BEFORE + DURING
    wait_until(lambda: stack.count("coupons_coupon") == total and stack.count("notifications_message") == total,
               timeout=90, what="every welcome coupon and message")
    wait_until(lambda: stack.unacked() == 0 and all(stack.queue_length(q) == 0 for q in QUEUES),
               timeout=30, what="broker drained")

    assert statuses == [201] * total
    assert stack.count("outbox_outboxevent", "published_at IS NULL") == 0
    assert stack.sql("SELECT COUNT(DISTINCT user_id) FROM coupons_coupon") == [(total,)]
    assert stack.sql("SELECT COUNT(DISTINCT user_id) FROM notifications_message") == [(total,)]
    assert stack.count("outbox_inboxentry") == 2 * total
