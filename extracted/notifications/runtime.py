"""The notifications service's parts, built once per process from its configuration."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import MetaData

from extracted.common.runtime import WorkerRuntime
from extracted.notifications.config import NotificationsConfig
from extracted.notifications.models import Base

__all__ = ["EVENTS_QUEUE", "NotificationsRuntime"]

# Where the monolith's relay sends UserSignedUp/OrderPlaced once this service writes
# the messages (subscription "notifications.service" in monolith/outbox/subscribers.py).
EVENTS_QUEUE = "sub.notifications.service"


@dataclass
class NotificationsRuntime(WorkerRuntime):
    config: NotificationsConfig

    metadata: ClassVar[MetaData] = Base.metadata
    schema_lock: ClassVar[int] = 73002
    queue: ClassVar[str] = EVENTS_QUEUE
