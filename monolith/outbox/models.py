"""The transactional outbox and the consumers' inbox."""
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
        indexes = [models.Index(fields=["published_at", "position"], name="outbox_unsent_idx")]

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
