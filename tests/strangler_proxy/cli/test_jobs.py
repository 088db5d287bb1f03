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


@pytest.fixture
def aged_rows(db):
    """An old sent event, an old unsent one, an old inbox row and an old job start count."""
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from monolith.outbox.events import UserSignedUp
    from monolith.outbox.models import InboxEntry, JobStart, OutboxEvent
    from monolith.outbox.services import event_record, inbox_claim, job_start_record

    month_ago = timezone.now() - timedelta(days=30)
    with transaction.atomic():
        sent, unsent = (event_record(event=UserSignedUp(user_id=n, email=f"p{n}@example.com", name="P"))
                        for n in (1, 2))
    OutboxEvent.objects.filter(pk=sent.pk).update(created_at=month_ago, published_at=month_ago)
    OutboxEvent.objects.filter(pk=unsent.pk).update(created_at=month_ago)
    inbox_claim(consumer="coupons.welcome", event_id=uuid.uuid4())
    InboxEntry.objects.update(processed_at=month_ago)
    job_start_record(task_name="t", message_key="k")
    JobStart.objects.update(last_started_at=month_ago)

    def left() -> tuple[int, int, int]:
        return OutboxEvent.objects.count(), InboxEntry.objects.count(), JobStart.objects.count()

    return left


def test_prune_deletes_old_sent_events_inbox_rows_and_start_counts_and_keeps_unsent_events(run, aged_rows):
    result = run("prune", "--older-than", "7")

    assert result.exit_code == 0
    assert result.output.strip() == ("pruned 1 sent events, 1 inbox rows and 1 job start counts "
                                     "older than 7 days")
    assert aged_rows() == (1, 0, 0)


def test_prune_without_a_retention_uses_the_configured_one_and_reports_json(run, aged_rows):
    result = run("prune", "--json")

    assert json.loads(result.output) == {"older_than_days": 7.0, "events": 1, "inbox_entries": 1,
                                         "job_starts": 1}


def test_prune_keeps_rows_younger_than_the_retention(run, aged_rows):
    assert run("prune", "--older-than", "45").exit_code == 0
    assert aged_rows() == (2, 1, 1)


@pytest.mark.parametrize("days,message", [
    ("-3", "--older-than is a number of days from 0 to 36500, not '-3'"),
    ("soon", "--older-than is a number of days from 0 to 36500, not 'soon'"),
    ("nan", "--older-than is a number of days from 0 to 36500, not 'nan'"),
    ("1e9", "--older-than is a number of days from 0 to 36500, not '1e9'"),
    ("0", "a retention of 0 days would prune inbox rows while duplicates can still arrive: keep at least "
          "4290 s (visibility timeout + retry cap + hard time limit)"),
])
def test_prune_with_bad_input_prints_one_line_fails_and_deletes_nothing(aged_rows, days, message):
    result = CliRunner().invoke(main, ["jobs", "prune", "--older-than", days])

    assert result.exit_code == 2
    assert result.stderr.strip() == f"strangler: {message}"
    assert aged_rows() == (2, 1, 1)
