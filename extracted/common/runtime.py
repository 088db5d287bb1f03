"""A service's parts, built once per process from its configuration.

Every service has its database and the monolith's token check; a service that
consumes the monolith's events also has a Celery app on its queue. Subclasses say
which tables are theirs and which PostgreSQL advisory lock guards creating them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Self

from sqlalchemy import MetaData, text

from extracted.common.auth import TokenVerifier
from extracted.common.broker import make_celery
from extracted.common.db import Database
from extracted.common.settings import ServiceConfig

if TYPE_CHECKING:
    from celery import Celery

__all__ = ["ServiceRuntime", "WorkerRuntime"]


@dataclass
class ServiceRuntime:
    config: ServiceConfig
    db: Database
    verifier: TokenVerifier

    metadata: ClassVar[MetaData]
    # One number per service, so two services sharing a PostgreSQL server never wait on each other.
    schema_lock: ClassVar[int]

    @classmethod
    def build(cls, config: ServiceConfig) -> Self:
        return cls(**cls._parts(config))

    @classmethod
    def _parts(cls, config: ServiceConfig) -> dict[str, Any]:
        return {"config": config, "db": Database(config.database_url),
                "verifier": TokenVerifier(secret=config.jwt_secret, issuer=config.jwt_issuer)}

    def init_schema(self) -> None:
        """Create the tables if missing; one process at a time on PostgreSQL."""
        with self.db.engine.begin() as connection:
            if self.db.is_postgres:
                connection.execute(text(f"SELECT pg_advisory_xact_lock({int(self.schema_lock)})"))
            self.metadata.create_all(connection)


@dataclass
class WorkerRuntime(ServiceRuntime):
    """A service with a worker: its Celery app's tasks default to the service's queue."""

    celery: "Celery"

    queue: ClassVar[str]

    @classmethod
    def _parts(cls, config: ServiceConfig) -> dict[str, Any]:
        celery = make_celery(f"extracted.{config.service}", broker_url=config.broker_url,
                             var_dir=config.var_dir, queues=[cls.queue])
        return {**super()._parts(config), "celery": celery}
