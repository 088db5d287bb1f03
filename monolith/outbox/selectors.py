"""Reads of the outbox and the dead letters."""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Min, QuerySet
from django.utils import timezone

from monolith.outbox.models import DeadLetter, OutboxEvent

__all__ = ["OutboxStats", "dead_letter_list", "outbox_stats"]


@dataclass(frozen=True)
class OutboxStats:
    unsent: int
    lag_seconds: float
    dead_letters: int


def outbox_stats() -> OutboxStats:
    """How far behind the relay is, and how many jobs wait in the dead-letter table."""
    unsent = OutboxEvent.objects.filter(published_at__isnull=True)
    oldest = unsent.aggregate(oldest=Min("created_at"))["oldest"]
    lag = max(0.0, (timezone.now() - oldest).total_seconds()) if oldest else 0.0
    return OutboxStats(unsent=unsent.count(), lag_seconds=lag,
                       dead_letters=DeadLetter.objects.filter(replayed_at__isnull=True).count())


def dead_letter_list(*, include_replayed: bool = False) -> QuerySet[DeadLetter]:
    """Dead letters, oldest failure first; by default only those not replayed yet."""
    rows = DeadLetter.objects.all()
    if not include_replayed:
        rows = rows.filter(replayed_at__isnull=True)
    return rows.order_by("failed_at", "id")
