"""The transactional outbox, the consumers' inbox and the dead letters."""
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
    """One row per (consumer, event) handled: written in the same transaction as the effect."""

    consumer = models.CharField(max_length=64)
    event_id = models.UUIDField()
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consumer", "event_id"], name="inbox_once_per_consumer")
        ]


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
