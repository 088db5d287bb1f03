"""Every setting of the catalog service, read from the environment in this one place.

What every service reads, under CATALOG_ here (extracted/common/settings.py):
CATALOG_DATABASE_URL (sqlite:///$STRANGLER_VAR_DIR/catalog.sqlite3, or postgresql://user@host/db),
CATALOG_HOST / CATALOG_PORT (127.0.0.1:8001), CATALOG_WORKERS / CATALOG_THREADS, CATALOG_ALLOWED_HOSTS,
CATALOG_MAX_BODY_BYTES, STRANGLER_JWT_SECRET / STRANGLER_JWT_ISSUER and STRANGLER_VAR_DIR. Its own:

    STRANGLER_CATALOG_WRITER      who owns product writes: monolith | service     monolith
    CATALOG_PUBLISH_AFTER_COMMIT  publish outbox events right after a write (1/0)  1
    CELERY_BROKER_URL / REDIS_URL the broker shared with the monolith   (filesystem in $STRANGLER_VAR_DIR)
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import ClassVar, Mapping

from extracted.common.settings import DEV_JWT_SECRET, ConfigError, ServiceConfig, broker_url, env_flag

__all__ = ["CatalogConfig", "ConfigError", "DEV_JWT_SECRET", "read_config"]

WRITERS = ("monolith", "service")


@dataclass(frozen=True, kw_only=True)
class CatalogConfig(ServiceConfig):
    service: ClassVar[str] = "catalog"

    port: int = 8001
    writer: str = "monolith"
    publish_after_commit: bool = True
    broker_url: str = "filesystem://"

    @property
    def service_owns_writes(self) -> bool:
        return self.writer == "service"


def read_config(environ: Mapping[str, str] | None = None) -> CatalogConfig:
    env = os.environ if environ is None else environ
    writer = env.get("STRANGLER_CATALOG_WRITER", "monolith").strip() or "monolith"
    if writer not in WRITERS:
        raise ConfigError(f"STRANGLER_CATALOG_WRITER: expected monolith or service, got {writer!r}")
    return CatalogConfig.from_env(
        env,
        writer=writer,
        publish_after_commit=env_flag(env, "CATALOG_PUBLISH_AFTER_COMMIT", True),
        broker_url=broker_url(env),
    )
