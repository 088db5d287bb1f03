"""The transactional outbox, the consumers' inbox, job start counts and the dead letters."""
from __future__ import annotations

import uuid

from django.db import models


class OutboxEvent(models.Model):
    """A domain event written in the same transaction as the change it describes.

    Columns follow the common outbox shape (id, aggregatetype, aggregateid, type,
    payload) so Debezium-style relays can read the table too.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    aggregate_type = models.CharField(max_length=64)
    aggregate_id = models.CharField(max_length=64)
    event_type = models.CharField(max_length=64)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # A strictly increasing position keeps per-aggregate order without trusting clocks.
    position = models.BigIntegerField(unique=True, null=True, editable=False)
    published_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        indexes = [
            # Only unsent rows, in publishing order: what a relay reads, however long the table.
            models.Index(fields=["position"], condition=models.Q(published_at__isnull=True),
                         name="outbox_unsent_position_idx"),
            # Lets a relay see whether an earlier event of the same aggregate is still unsent.
            models.Index(fields=["aggregate_type", "aggregate_id", "position"],
                         name="outbox_aggregate_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.aggregate_type}:{self.aggregate_id}"


class InboxEntry(models.Model):
    """One row per (consumer, event) handled: written in the same transaction as the effect.

    Kept for as long as a duplicate of the event can still arrive, then pruned
    (monolith.outbox.services.outbox_prune).
    """

    consumer = models.CharField(max_length=64)
    event_id = models.UUIDField()
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consumer", "event_id"], name="inbox_once_per_consumer")
        ]
        indexes = [models.Index(fields=["processed_at"], name="inbox_processed_at_idx")]


class JobStart(models.Model):
    """Starts of a side job that have not finished: a job that kills its worker leaves them behind.

    Late acknowledgement gives a job back to the queue when its worker dies, so a job
    that kills its worker (a crash in C code, out of memory, SIGKILL, the hard time
    limit) would come back for ever. Each start is counted here, committed before the
    job runs, and cleared when the job finishes in any way (done, failed, retried), so
    only starts that took their worker down add up; past STRANGLER_JOBS_MAX_STARTS the
    job is dead-lettered instead of run. One row per job, keyed like its dead letter.
    """

    task_name = models.CharField(max_length=200)
    # The event id for event subscribers, else the Celery task id (as DeadLetter.message_key).
    message_key = models.CharField(max_length=64)
    starts = models.PositiveIntegerField()
    last_started_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task_name", "message_key"], name="job_start_once_per_job")
        ]
        indexes = [models.Index(fields=["last_started_at"], name="job_start_last_started_idx")]

    def __str__(self) -> str:
        return f"{self.task_name} {self.message_key}: started {self.starts}x without finishing"


class DeadLetter(models.Model):
    """A side job that kept failing after every retry: kept here until someone replays it.

    One row per (task, message): the same job dying again after a replay updates
    its row instead of adding another.
    """

    task_name = models.CharField(max_length=200)
    queue = models.CharField(max_length=200)
    consumer = models.CharField(max_length=64, blank=True, default="")
    # The event id for event subscribers, else the Celery task id.
    message_key = models.CharField(max_length=64)
    event_id = models.UUIDField(null=True, blank=True)
    kwargs = models.JSONField()
    error = models.TextField()
    traceback = models.TextField(blank=True, default="")
    attempts = models.PositiveIntegerField()
    first_failed_at = models.DateTimeField(auto_now_add=True)
    failed_at = models.DateTimeField()
    replayed_at = models.DateTimeField(null=True, blank=True)
    replays = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["failed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["task_name", "message_key"], name="dead_letter_once_per_job")
        ]
        indexes = [models.Index(fields=["replayed_at", "failed_at"], name="dead_letter_pending_idx")]

    def __str__(self) -> str:
        return f"{self.task_name} {self.message_key}"
