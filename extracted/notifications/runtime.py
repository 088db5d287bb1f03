"""The notifications service's parts, built once per process from its configuration."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import text

from extracted.common.auth import TokenVerifier
from extracted.common.broker import make_celery
from extracted.common.db import Database
from extracted.notifications.config import NotificationsConfig
from extracted.notifications.models import Base

if TYPE_CHECKING:
    from celery import Celery

__all__ = ["EVENTS_QUEUE", "NotificationsRuntime"]

# Where the monolith's relay sends UserSignedUp/OrderPlaced once this service writes
# the messages (subscription "notifications.service" in monolith/outbox/subscribers.py).
EVENTS_QUEUE = "sub.notifications.service"


@dataclass
class NotificationsRuntime:
    config: NotificationsConfig
    db: Database
    verifier: TokenVerifier
    celery: "Celery"

    @classmethod
    def build(cls, config: NotificationsConfig) -> "NotificationsRuntime":
        return cls(
            config=config,
            db=Database(config.database_url),
            verifier=TokenVerifier(secret=config.jwt_secret, issuer=config.jwt_issuer),
            celery=make_celery("extracted.notifications", broker_url=config.broker_url,
                               var_dir=config.var_dir, queues=[EVENTS_QUEUE]),
        )

    def init_schema(self) -> None:
        """Create the tables if missing; one process at a time on PostgreSQL."""
        with self.db.engine.begin() as connection:
            if self.db.is_postgres:
                connection.execute(text("SELECT pg_advisory_xact_lock(73002)"))
            Base.metadata.create_all(connection)
