"""The catalog service's parts, built once per process from its configuration."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import MetaData

from extracted.catalog.config import CatalogConfig
from extracted.catalog.models import Base
from extracted.catalog.relay import publish_pending
from extracted.common.runtime import WorkerRuntime

__all__ = ["CatalogRuntime", "SYNC_QUEUE"]

log = logging.getLogger(__name__)

# Where the monolith's relay sends ProductChanged/ProductDeleted for this service
# (monolith/outbox/subscribers.py, consumer "catalog.sync").
SYNC_QUEUE = "sub.catalog.sync"


@dataclass
class CatalogRuntime(WorkerRuntime):
    config: CatalogConfig

    metadata: ClassVar[MetaData] = Base.metadata
    schema_lock: ClassVar[int] = 73001
    queue: ClassVar[str] = SYNC_QUEUE

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
