"""A relay killed between publishing and marking the event sent: it publishes again, the inbox absorbs it."""
import pytest

from tests.reliability.conftest import wait_until

COUPONS = "sub.coupons.welcome"


@pytest.fixture(params=["sqlite", "postgresql"])
def any_stack(request, make_stack, redis_url):
    if request.param == "sqlite":
        return make_stack(redis_url=redis_url)
    return make_stack(redis_url=redis_url, database_url=request.getfixturevalue("postgres_database"))


def test_a_relay_killed_after_publishing_publishes_again_and_the_inbox_absorbs_the_duplicate(any_stack):
    stack = any_stack
    stack.start_web()
    assert stack.sign_up("twice@example.com") == 201  # no relay yet: the event waits in the outbox

    # Marking the event sent is a write; hold writes so the relay stops right after publishing.
    with stack.write_lock("outbox_outboxevent"):
        relay = stack.start_relay("relay-1")
        wait_until(lambda: stack.queue_length(COUPONS) == 1, what="event published")
        relay.kill9()
    assert stack.count("outbox_outboxevent", "published_at IS NULL") == 1

    stack.start_relay("relay-2")
    wait_until(lambda: stack.count("outbox_outboxevent", "published_at IS NULL") == 0, what="marked sent")
    assert stack.queue_length(COUPONS) == 2  # the same event, twice

    stack.start_worker(queues=[COUPONS, "sub.notifications.welcome"])
    wait_until(lambda: stack.queue_length(COUPONS) == 0 and stack.unacked() == 0, what="queue drained")
    user_id = stack.sql("SELECT id FROM accounts_user WHERE email = ?", ("twice@example.com",))[0][0]
    assert stack.count("coupons_coupon", "user_id = ?", (user_id,)) == 1
    assert stack.count("outbox_inboxentry", "consumer = ?", ("coupons.welcome",)) == 1
