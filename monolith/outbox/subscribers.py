"""Who listens to which event: one durable queue per subscriber.

Adding a subscriber is one line here; publishers never change. Each subscriber is a
Celery task that takes the event id and is safe to run twice.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

__all__ = ["RELAY_QUEUE", "Subscription", "all_queues", "subscriptions_for"]

# The queue of the beat alternative to the relay process (monolith.outbox.tasks).
RELAY_QUEUE = "outbox.relay"


@dataclass(frozen=True)
class Subscription:
    consumer: str  # also the inbox key and the queue name
    task: str

    @property
    def queue(self) -> str:
        return f"sub.{self.consumer}"


_SUBSCRIPTIONS: dict[str, list[Subscription]] = {
    "UserSignedUp": [
        Subscription("coupons.welcome", "monolith.coupons.tasks.issue_welcome_coupon"),
        Subscription("notifications.welcome", "monolith.notifications.tasks.send_welcome_message"),
    ],
    "OrderPlaced": [
        Subscription(
            "notifications.order_confirmation",
            "monolith.notifications.tasks.send_order_confirmation",
        ),
    ],
}

# The extracted catalog service keeps its copy current from the monolith's product
# events while the monolith owns the writes; its own worker consumes this queue.
_TO_SERVICES: dict[str, list[Subscription]] = {
    event: [Subscription("catalog.sync", "extracted.catalog.tasks.apply_product_event")]
    for event in ("ProductChanged", "ProductDeleted")
}

# Once the catalog service owns the writes, its relay publishes its own events here
# and the monolith's workers keep the monolith's read copy current (reverse sync).
_FROM_SERVICES = [Subscription("catalog.copy", "monolith.catalog.tasks.apply_catalog_event")]

# When the extracted notifications service owns those messages, its own worker
# consumes the events and the monolith's subscriptions stop: one writer, never both.
_MOVED_TO_SERVICE = {"notifications": "extracted.notifications.tasks.handle_event"}


def subscriptions_for(event_type: str) -> list[Subscription]:
    subs = list(_SUBSCRIPTIONS.get(event_type, [])) + _TO_SERVICES.get(event_type, [])
    if settings.STRANGLER["NOTIFICATIONS_WRITER"] == "service":
        subs = [s for s in subs if not s.consumer.startswith("notifications.")]
        if event_type in {"UserSignedUp", "OrderPlaced"}:
            subs.append(Subscription("notifications.service", _MOVED_TO_SERVICE["notifications"]))
    return subs


def all_queues() -> list[str]:
    """Every subscriber queue the monolith's workers consume."""
    names = {s.queue for subs in _SUBSCRIPTIONS.values() for s in subs} | {s.queue for s in _FROM_SERVICES}
    return sorted(names)
