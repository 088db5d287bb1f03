"""Pruning: old sent events, inbox rows and job start counts go; unsent events and young rows stay."""
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from monolith.outbox.errors import RetentionTooShort
from monolith.outbox.models import InboxEntry, JobStart, OutboxEvent
from monolith.outbox.services import inbox_claim, job_start_record, outbox_prune
from tests.helpers import wait_for

WEEK = timedelta(days=7)


def _aged(days: float) -> timezone.datetime:
    return timezone.now() - timedelta(days=days)


def _event(record_sign_up, *, age_days: float, sent: bool) -> OutboxEvent:
    event = record_sign_up()
    OutboxEvent.objects.filter(pk=event.pk).update(created_at=_aged(age_days),
                                                   published_at=_aged(age_days) if sent else None)
    return event


def _inbox(*, age_days: float, event_id=None) -> InboxEntry:
    event_id = event_id or uuid.uuid4()
    inbox_claim(consumer="coupons.welcome", event_id=event_id)
    row = InboxEntry.objects.get(consumer="coupons.welcome", event_id=event_id)
    InboxEntry.objects.filter(pk=row.pk).update(processed_at=_aged(age_days))
    return row


def _job_start(*, age_days: float) -> JobStart:
    key = str(uuid.uuid4())
    job_start_record(task_name="t", message_key=key)
    JobStart.objects.filter(message_key=key).update(last_started_at=_aged(age_days))
    return JobStart.objects.get(message_key=key)


def _ids(model) -> set:
    return set(model.objects.values_list("pk", flat=True))


def test_prune_deletes_sent_events_older_than_the_retention_and_nothing_else(record_sign_up):
    old_sent = _event(record_sign_up, age_days=30, sent=True)
    young_sent = _event(record_sign_up, age_days=1, sent=True)
    old_unsent = _event(record_sign_up, age_days=30, sent=False)

    pruned = outbox_prune(older_than=WEEK)

    assert (pruned.events, pruned.done) == (1, True)
    assert _ids(OutboxEvent) == {young_sent.pk, old_unsent.pk}
    assert old_sent.pk not in _ids(OutboxEvent)


def test_an_event_created_long_ago_but_sent_recently_is_kept(record_sign_up):
    event = record_sign_up()
    OutboxEvent.objects.filter(pk=event.pk).update(created_at=_aged(30), published_at=_aged(1))

    assert outbox_prune(older_than=WEEK).events == 0
    assert _ids(OutboxEvent) == {event.pk}


def test_old_inbox_rows_go_unless_their_event_is_still_unsent(record_sign_up):
    unsent = _event(record_sign_up, age_days=30, sent=False)
    old = _inbox(age_days=30)
    young = _inbox(age_days=1)
    # Handled, but its relay died before marking it sent: it will be published again.
    waiting = _inbox(age_days=30, event_id=unsent.pk)

    pruned = outbox_prune(older_than=WEEK)

    assert pruned.inbox_entries == 1
    assert _ids(InboxEntry) == {young.pk, waiting.pk} and old.pk not in _ids(InboxEntry)


def test_old_job_start_counts_go(db):
    old, young = _job_start(age_days=8), _job_start(age_days=6)

    assert outbox_prune(older_than=WEEK).job_starts == 1
    assert _ids(JobStart) == {young.pk} and old.pk not in _ids(JobStart)


def test_prune_works_in_batches_and_a_bounded_pass_says_when_rows_are_left(record_sign_up):
    for _ in range(5):
        _event(record_sign_up, age_days=30, sent=True)

    first = outbox_prune(older_than=WEEK, batch_size=2, max_batches=2)
    rest = outbox_prune(older_than=WEEK, batch_size=2, max_batches=2)

    assert (first.events, first.done) == (4, False)
    assert (rest.events, rest.done) == (1, True)
    assert OutboxEvent.objects.count() == 0


def test_the_default_retention_comes_from_the_settings(record_sign_up, jobs_settings):
    jobs_settings(retention_days=40)
    kept = _event(record_sign_up, age_days=30, sent=True)
    _event(record_sign_up, age_days=50, sent=True)

    assert outbox_prune().events == 1
    assert _ids(OutboxEvent) == {kept.pk}


@pytest.mark.parametrize("older_than", [timedelta(days=-1), timedelta(0), timedelta(minutes=30)])
def test_a_retention_shorter_than_duplicates_can_arrive_is_refused_and_deletes_nothing(record_sign_up,
                                                                                       older_than):
    event = _event(record_sign_up, age_days=30, sent=True)
    row = _inbox(age_days=30)

    with pytest.raises(RetentionTooShort, match="duplicates can still arrive: keep at least 4290 s"):
        outbox_prune(older_than=older_than)

    assert _ids(OutboxEvent) == {event.pk} and _ids(InboxEntry) == {row.pk}


def test_a_retention_beyond_the_calendar_prunes_nothing(record_sign_up):
    _event(record_sign_up, age_days=30, sent=True)

    assert outbox_prune(older_than=timedelta(days=999_999_999)).events == 0


def test_a_batch_size_below_one_is_refused(db):
    with pytest.raises(ValueError, match="batch_size"):
        outbox_prune(older_than=WEEK, batch_size=0)


def test_the_beat_tick_prunes_with_the_configured_retention(record_sign_up):
    from monolith.outbox.tasks import prune_tick

    _event(record_sign_up, age_days=30, sent=True)
    _inbox(age_days=30)

    assert prune_tick() == 2


def test_beat_schedules_pruning_on_the_relay_queue_every_interval():
    from monolith.celery import app

    entry = app.conf.beat_schedule["outbox-prune"]

    assert entry["task"] == "monolith.outbox.tasks.prune_tick" and entry["schedule"] == 3600
    assert entry["options"] == {"queue": "outbox.relay", "expires": 3600}


def test_the_relay_prunes_between_wake_ups(transactional_db, record_sign_up, redis_url):
    from monolith.outbox.runner import RelayOptions, relay_thread

    old = _event(record_sign_up, age_days=30, sent=True)
    unsent = record_sign_up()

    with relay_thread(RelayOptions.from_settings(poll_seconds=0.05, prune_interval_seconds=3600,
                                                 retention_days=7)):
        wait_for(lambda: not OutboxEvent.objects.filter(pk=old.pk).exists())
        wait_for(lambda: OutboxEvent.objects.get(pk=unsent.pk).published_at is not None)

    assert _ids(OutboxEvent) == {unsent.pk}
