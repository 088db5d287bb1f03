"""A poison event: retried with backoff, then dead-lettered, then replayed once the cause is fixed.

The poison is real and specific: a trigger makes issuing this one user's coupon
fail in the database, as a broken migration would. Other users are unaffected.
"""
import json
import re

from tests.reliability.conftest import wait_until

COUPONS = "sub.coupons.welcome"


def test_a_poison_event_is_retried_then_dead_lettered_then_replayed_after_the_fix(stack):
    stack.start_web()
    stack.start_relay()
    worker = stack.start_worker(queues=[COUPONS, "sub.notifications.welcome"])
    assert stack.sign_up("first@example.com") == 201
    poisoned = stack.sql("SELECT MAX(id) + 1 FROM accounts_user")[0][0]
    stack.sql(f"CREATE TRIGGER poison BEFORE INSERT ON coupons_coupon WHEN NEW.user_id = {poisoned} "
              "BEGIN SELECT json('{coupon service down'); END")

    assert stack.sign_up("poison@example.com") == 201
    assert stack.sign_up("healthy@example.com") == 201
    wait_until(lambda: stack.count("outbox_deadletter") == 1, timeout=60, what="dead letter written")

    # Retried with growing delays (3 retries), then kept; the others got their coupons.
    delays = [float(d) for d in re.findall(r"coupons\.welcome: attempt \d of 4 failed .*?; retry in ([\d.]+) s",
                                           worker.output())]
    assert len(delays) == 3 and all(0 < d <= 2 for d in delays)
    [(letter_id, attempts, error, kwargs)] = stack.sql(
        "SELECT id, attempts, error, kwargs FROM outbox_deadletter")
    assert attempts == 4 and "malformed JSON" in error
    assert json.loads(kwargs)["payload"]["user_id"] == poisoned
    assert stack.count("coupons_coupon") == 2
    assert stack.count("coupons_coupon", "user_id = ?", (poisoned,)) == 0
    assert stack.count("notifications_message", "user_id = ?", (poisoned,)) == 1  # its own queue, unharmed

    listed = stack.strangler("jobs", "dead-letters", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [row["id"] for row in json.loads(listed.stdout)] == [letter_id]

    stack.sql("DROP TRIGGER poison")
    retried = stack.strangler("jobs", "retry", str(letter_id))
    assert retried.returncode == 0, retried.stderr

    wait_until(lambda: stack.count("coupons_coupon", "user_id = ?", (poisoned,)) == 1, what="coupon issued")
    assert stack.sql("SELECT replays FROM outbox_deadletter WHERE replayed_at IS NOT NULL") == [(1,)]
    again = stack.strangler("jobs", "retry", str(letter_id))
    assert again.returncode == 2 and again.stderr.strip() == (
        f"strangler: no dead letter {letter_id} is waiting for a retry")
    assert json.loads(stack.strangler("jobs", "dead-letters", "--json").stdout) == []
