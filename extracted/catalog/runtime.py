"""The catalog service's parts, built once per process from its configuration."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import text

from extracted.catalog.config import CatalogConfig
from extracted.catalog.models import Base
from extracted.catalog.relay import publish_pending
from extracted.common.auth import TokenVerifier
from extracted.common.broker import make_celery
from extracted.common.db import Database

if TYPE_CHECKING:
    from celery import Celery

__all__ = ["CatalogRuntime", "SYNC_QUEUE"]

log = logging.getLogger(__name__)

# Where the monolith's relay sends ProductChanged/ProductDeleted for this service
# (monolith/outbox/subscribers.py, consumer "catalog.sync").
SYNC_QUEUE = "sub.catalog.sync"


@dataclass
class CatalogRuntime:
    config: CatalogConfig
    db: Database
    verifier: TokenVerifier
    celery: "Celery"

    @classmethod
    def build(cls, config: CatalogConfig) -> "CatalogRuntime":
        return cls(
            config=config,
            db=Database(config.database_url),
            verifier=TokenVerifier(secret=config.jwt_secret, issuer=config.jwt_issuer),
            celery=make_celery("extracted.catalog", broker_url=config.broker_url,
                               var_dir=config.var_dir, queues=[SYNC_QUEUE]),
        )

    def init_schema(self) -> None:
        """Create the tables if missing; one process at a time on PostgreSQL."""
        with self.db.engine.begin() as connection:
            if self.db.is_postgres:
                connection.execute(text("SELECT pg_advisory_xact_lock(73001)"))
            Base.metadata.create_all(connection)

    def send(self, task: str, kwargs: dict, queue: str) -> None:
        self.celery.send_task(task, kwargs=kwargs, queue=queue)

    def publish_soon(self) -> None:
        """After a write committed: publish its events now. Never raises; the relay retries."""
        if not self.config.publish_after_commit:
            return
        try:
            publish_pending(self.db, self.send)
        except Exception:
            log.exception("catalog outbox: publishing after commit failed; the relay will retry")
