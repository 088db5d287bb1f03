"""`strangler jobs ...` against the monolith's test database and the test Redis broker."""
import json
import uuid

import pytest
from click.testing import CliRunner

from strangler_proxy.cli import main


@pytest.fixture
def run(db):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, ["jobs", *args], catch_exceptions=False)

    return invoke


@pytest.fixture
def dead_letter(db):
    from monolith.outbox.services import dead_letter_record

    def make(error: str = "OperationalError: malformed JSON"):
        event_id = str(uuid.uuid4())
        return dead_letter_record(
            task_name="monolith.coupons.tasks.issue_welcome_coupon", queue="sub.coupons.welcome",
            consumer="coupons.welcome", message_key=event_id,
            kwargs={"event_id": event_id, "payload": {"user_id": 1}}, error=error, attempts=9)

    return make


def test_dead_letters_says_so_when_there_are_none(run):
    result = run("dead-letters")

    assert result.exit_code == 0 and result.output.strip() == "no dead letters"
    assert json.loads(run("dead-letters", "--json").output) == []


def test_dead_letters_lists_each_with_its_consumer_attempts_and_error(run, dead_letter):
    letter = dead_letter()

    table = run("dead-letters").output
    [row] = json.loads(run("dead-letters", "--json").output)

    assert "coupons.welcome" in table and "malformed JSON" in table
    assert (row["id"], row["attempts"], row["queue"], row["replayed_at"]) == (letter.pk, 9, "sub.coupons.welcome",
                                                                               None)


def test_retry_sends_the_job_back_and_the_list_then_hides_it(run, dead_letter, redis_url):
    import redis

    letter = dead_letter()

    result = run("retry", str(letter.pk))

    assert result.exit_code == 0 and f": {letter.pk}" in result.output
    assert redis.Redis.from_url(redis_url).llen("sub.coupons.welcome") == 1
    assert json.loads(run("dead-letters", "--json").output) == []
    assert json.loads(run("dead-letters", "--all", "--json").output)[0]["replays"] == 1


def test_retry_all_sends_every_waiting_dead_letter(run, dead_letter, redis_url):
    import redis

    for _ in range(3):
        dead_letter()

    result = run("retry", "--all", "--json")

    assert result.exit_code == 0 and len(json.loads(result.output)) == 3
    assert redis.Redis.from_url(redis_url).llen("sub.coupons.welcome") == 3


@pytest.mark.parametrize("args,message", [
    ((), "give a dead letter ID or --all (not both)"),
    (("7", "--all"), "give a dead letter ID or --all (not both)"),
    (("seven",), "a dead letter ID is a number, not 'seven'"),
    (("3.5",), "a dead letter ID is a number, not '3.5'"),
    (("987654",), "no dead letter 987654 is waiting for a retry"),
])
def test_retry_with_bad_input_prints_one_line_and_fails(db, args, message):
    result = CliRunner().invoke(main, ["jobs", "retry", *args])

    assert result.exit_code == 2
    assert result.stderr.strip() == f"strangler: {message}"


def test_status_reports_unsent_events_lag_dead_letters_and_the_broker(run, dead_letter):
    from monolith.accounts.services import user_sign_up

    user_sign_up(email="lag@example.com", password="correct-horse-9")
    dead_letter()

    status = json.loads(run("status", "--json").output)

    assert (status["unsent"], status["dead_letters"]) == (1, 1)
    assert status["lag_seconds"] >= 0 and status["broker"]
