"""Writing events to the outbox, consuming them once in effect, job starts, dead letters, pruning."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from monolith.outbox import metrics, wakeup
from monolith.outbox.errors import DeadLetterNotFound, RetentionTooShort
from monolith.outbox.events import DomainEvent
from monolith.outbox.models import DeadLetter, InboxEntry, JobStart, OutboxEvent
from monolith.outbox.profile import duplicate_window_seconds
from monolith.outbox.publisher import OutboundMessage, Publisher

__all__ = [
    "OutboxPruned",
    "dead_letter_record",
    "dead_letter_retry",
    "dead_letter_retry_all",
    "event_record",
    "inbox_claim",
    "job_start_clear",
    "job_start_record",
    "outbox_prune",
]


def event_record(*, event: DomainEvent) -> OutboxEvent:
    """Write `event` to the outbox inside the caller's transaction; wake the relay after commit.

    The request never talks to the broker: a broker that is down or hangs cannot
    fail or slow it. The relay publishes (monolith.outbox.relay).
    """
    from monolith.outbox import relay

    # The position, taken in the writer's transaction, lets relays publish the
    # events of one aggregate in the order they were written.
    row = OutboxEvent.objects.create(
        aggregate_type=event.aggregate_type,
        aggregate_id=event.aggregate_id,
        event_type=event.event_type,
        payload=event.to_payload(),
        position=relay.next_position(),
    )
    transaction.on_commit(wakeup.relay_wake)
    return row


def inbox_claim(*, consumer: str, event_id) -> bool:
    """Record that `consumer` handled `event_id`; False if it already had.

    Call inside the same transaction as the effect, so the effect and the claim
    commit or roll back together.
    """
    try:
        with transaction.atomic():
            InboxEntry.objects.create(consumer=consumer, event_id=event_id)
    except IntegrityError:
        metrics.record_duplicate(consumer)
        return False
    return True


def job_start_record(*, task_name: str, message_key: str) -> int:
    """Count a start of a job and commit it now; return its starts since it last finished.

    Its own transaction, committed before the job does anything: a job that kills its
    worker still leaves its count behind. Inside another transaction it raises
    RuntimeError, since that one could roll the count back with the job.
    """
    table = connection.ops.quote_name(JobStart._meta.db_table)
    # One statement, the same on PostgreSQL and SQLite (3.35+): concurrent starts of one
    # job cannot lose a count, and the new count comes back without another query.
    sql = (f"INSERT INTO {table} (task_name, message_key, starts, last_started_at) VALUES (%s, %s, 1, %s) "
           f"ON CONFLICT (task_name, message_key) DO UPDATE SET starts = {table}.starts + 1, "
           "last_started_at = excluded.last_started_at RETURNING starts")
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with transaction.atomic(durable=True), connection.cursor() as cursor:
        cursor.execute(sql, [task_name, message_key, now])
        return cursor.fetchone()[0]


def job_start_clear(*, task_name: str, message_key: str) -> None:
    """Forget a job's starts: it finished (done, failed or retried), or is sent again by hand."""
    JobStart.objects.filter(task_name=task_name, message_key=message_key).delete()


def dead_letter_record(*, task_name: str, queue: str, consumer: str, message_key: str,
                       kwargs: dict[str, Any], error: str, traceback: str = "",
                       attempts: int) -> DeadLetter:
    """Keep a job that failed for good; the same job failing again updates its row."""
    event_id = kwargs.get("event_id")
    try:
        event_id = uuid.UUID(str(event_id)) if event_id else None
    except ValueError:
        event_id = None
    fields = {"queue": queue, "consumer": consumer, "event_id": event_id, "kwargs": kwargs,
              "error": error[:2000], "traceback": traceback[-20000:], "attempts": attempts,
              "failed_at": timezone.now(), "replayed_at": None}
    for _ in range(2):  # a concurrent first insert of the same job wins; then we update it
        try:
            with transaction.atomic():
                row, _created = DeadLetter.objects.update_or_create(
                    task_name=task_name, message_key=message_key, defaults=fields)
            return row
        except IntegrityError:
            continue
    raise IntegrityError(f"could not record dead letter {task_name} {message_key}")


def _default_publisher() -> Publisher:
    from monolith.outbox.publisher import CeleryPublisher

    return CeleryPublisher()


def dead_letter_retry(*, dead_letter_id: int, publisher: Publisher | None = None) -> DeadLetter:
    """Send a dead letter's job to its queue again; its retries start from zero.

    Raises DeadLetterNotFound when no such dead letter waits, BrokerUnavailable
    when the broker does not take it (the row then stays waiting).
    """
    row = DeadLetter.objects.filter(pk=dead_letter_id, replayed_at__isnull=True).first()
    if row is None:
        raise DeadLetterNotFound(f"no dead letter {dead_letter_id} is waiting for a retry")
    # Before the job is back in a queue: a job dead-lettered for killing its worker
    # would otherwise find its old count and be turned away at its first start.
    job_start_clear(task_name=row.task_name, message_key=row.message_key)
    own_publisher = publisher is None
    publisher = publisher or _default_publisher()
    try:
        publisher.publish([OutboundMessage(task=row.task_name, queue=row.queue,
                                           task_id=str(uuid.uuid4()), kwargs=row.kwargs)])
    finally:
        if own_publisher:
            publisher.close()
    # Marked after the broker took it: a crash in between replays twice, and the
    # consumer's inbox absorbs the second.
    DeadLetter.objects.filter(pk=row.pk).update(replayed_at=timezone.now(), replays=row.replays + 1)
    row.refresh_from_db()
    return row


def dead_letter_retry_all(*, publisher: Publisher | None = None) -> list[DeadLetter]:
    """Retry every waiting dead letter, oldest first; stop at the first broker failure."""
    from monolith.outbox.selectors import dead_letter_list

    own_publisher = publisher is None
    publisher = publisher or _default_publisher()
    try:
        return [dead_letter_retry(dead_letter_id=pk, publisher=publisher)
                for pk in list(dead_letter_list().values_list("pk", flat=True))]
    finally:
        if own_publisher:
            publisher.close()


@dataclass(frozen=True)
class OutboxPruned:
    """What one prune pass deleted; `done` is False when `max_batches` stopped it early."""

    events: int
    inbox_entries: int
    job_starts: int
    done: bool


def _delete_in_batches(rows: QuerySet, *, batch_size: int, max_batches: int | None) -> tuple[int, bool]:
    deleted = batches = 0
    while max_batches is None or batches < max_batches:
        # A read, then one DELETE statement (its own short transaction) that checks the
        # condition again: writers wait for one batch at most, and for nothing when
        # there is nothing to delete (SQLite's write lock is taken only to delete).
        ids = list(rows.order_by().values_list("pk", flat=True)[:batch_size])
        if ids:
            deleted += rows.filter(pk__in=ids).delete()[0]
        batches += 1
        if len(ids) < batch_size:
            return deleted, True
    return deleted, False


def outbox_prune(*, older_than: timedelta | None = None, batch_size: int = 1000,
                 max_batches: int | None = None) -> OutboxPruned:
    """Delete sent outbox events, inbox rows and job start counts older than `older_than`, in batches.

    `older_than` defaults to STRANGLER_JOBS_RETENTION_DAYS. Unsent events are never
    touched, whatever their age. `max_batches` bounds the work per table (the relay
    prunes between wake-ups and must not keep events waiting).

    An inbox row is what makes a repeated delivery harmless, so it must outlive every
    duplicate of its event: a worker that committed but died before acknowledging gets
    its job back after the broker's visibility timeout, a retry waits up to the retry
    cap, and a run lasts up to the hard time limit. A retention shorter than those
    together raises RetentionTooShort. The inbox row of an event the outbox still holds
    unsent is kept whatever its age, since the relay will publish that event again.
    """
    jobs = settings.STRANGLER["JOBS"]
    if older_than is None:
        older_than = timedelta(days=jobs.retention_days)
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    window = duplicate_window_seconds(jobs)
    if older_than.total_seconds() < window:
        raise RetentionTooShort(
            f"a retention of {older_than.total_seconds() / 86400:g} days would prune inbox rows while "
            f"duplicates can still arrive: keep at least {window:g} s (visibility timeout + retry cap + "
            "hard time limit)")
    try:
        cutoff = timezone.now() - older_than
    except OverflowError:  # before year 1: nothing is that old
        return OutboxPruned(events=0, inbox_entries=0, job_starts=0, done=True)
    unsent = OutboxEvent.objects.filter(published_at__isnull=True).values("id")
    # published_at >= created_at, so the created_at index narrows the scan.
    tables = (
        OutboxEvent.objects.filter(created_at__lt=cutoff, published_at__lt=cutoff),
        InboxEntry.objects.filter(processed_at__lt=cutoff).exclude(event_id__in=unsent),
        JobStart.objects.filter(last_started_at__lt=cutoff),
    )
    results = [_delete_in_batches(rows, batch_size=batch_size, max_batches=max_batches) for rows in tables]
    (events, events_done), (inbox, inbox_done), (starts, starts_done) = results
    return OutboxPruned(events=events, inbox_entries=inbox, job_starts=starts,
                        done=events_done and inbox_done and starts_done)
