"""Every setting of the catalog service, read from the environment in this one place.

    CATALOG_DATABASE_URL          its own database     sqlite:///$STRANGLER_VAR_DIR/catalog.sqlite3
                                  (postgresql://user@host/db for PostgreSQL)
    STRANGLER_CATALOG_WRITER      who owns product writes: monolith | service     monolith
    STRANGLER_JWT_SECRET          HS256 key of the monolith's tokens (shared)
    STRANGLER_JWT_ISSUER          expected `iss` claim                             strangler-monolith
    CATALOG_HOST / CATALOG_PORT   where `python -m extracted.catalog` listens      127.0.0.1:8001
    CATALOG_WORKERS / CATALOG_THREADS   gunicorn processes and threads each       2 / 4
    CATALOG_ALLOWED_HOSTS         comma-separated, like DJANGO_ALLOWED_HOSTS        *
    CATALOG_MAX_BODY_BYTES        request body limit                               1048576
    CATALOG_PUBLISH_AFTER_COMMIT  publish outbox events right after a write (1/0)  1
    CELERY_BROKER_URL / REDIS_URL the broker shared with the monolith   (filesystem in $STRANGLER_VAR_DIR)
    STRANGLER_VAR_DIR             local data folder                                ./.var
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

__all__ = ["CatalogConfig", "ConfigError", "DEV_JWT_SECRET", "read_config"]

ROOT = Path(__file__).resolve().parents[2]
# The monolith's development default (monolith/settings/env.py): tokens must verify here too.
DEV_JWT_SECRET = "dev-insecure-jwt-secret-change-me-in-production"
WRITERS = ("monolith", "service")


class ConfigError(ValueError):
    """A setting has a value the service cannot use; the message names the variable."""


@dataclass(frozen=True)
class CatalogConfig:
    database_url: str
    writer: str = "monolith"
    jwt_secret: str = DEV_JWT_SECRET
    jwt_issuer: str = "strangler-monolith"
    host: str = "127.0.0.1"
    port: int = 8001
    workers: int = 2
    threads: int = 4
    allowed_hosts: tuple[str, ...] = ("*",)
    max_body_bytes: int = 1024 * 1024
    publish_after_commit: bool = True
    broker_url: str = "filesystem://"
    var_dir: Path = field(default_factory=lambda: ROOT / ".var")

    @property
    def service_owns_writes(self) -> bool:
        return self.writer == "service"

    def with_changes(self, **changes: object) -> "CatalogConfig":
        return replace(self, **changes)


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}: expected an integer, got {raw!r}") from None


def read_config(environ: Mapping[str, str] | None = None) -> CatalogConfig:
    env = os.environ if environ is None else environ
    var_dir = Path(env.get("STRANGLER_VAR_DIR") or ROOT / ".var")
    writer = env.get("STRANGLER_CATALOG_WRITER", "monolith").strip() or "monolith"
    if writer not in WRITERS:
        raise ConfigError(f"STRANGLER_CATALOG_WRITER: expected monolith or service, got {writer!r}")
    return CatalogConfig(
        database_url=env.get("CATALOG_DATABASE_URL") or f"sqlite:///{var_dir / 'catalog.sqlite3'}",
        writer=writer,
        jwt_secret=env.get("STRANGLER_JWT_SECRET") or DEV_JWT_SECRET,
        jwt_issuer=env.get("STRANGLER_JWT_ISSUER") or "strangler-monolith",
        host=env.get("CATALOG_HOST") or "127.0.0.1",
        port=_int(env, "CATALOG_PORT", 8001),
        workers=_int(env, "CATALOG_WORKERS", 2),
        threads=_int(env, "CATALOG_THREADS", 4),
        allowed_hosts=tuple(h.strip() for h in (env.get("CATALOG_ALLOWED_HOSTS") or "*").split(",")),
        max_body_bytes=_int(env, "CATALOG_MAX_BODY_BYTES", 1024 * 1024),
        publish_after_commit=(env.get("CATALOG_PUBLISH_AFTER_COMMIT", "1").strip().lower()
                              not in {"0", "false", "no", "off"}),
        broker_url=env.get("CELERY_BROKER_URL") or env.get("REDIS_URL") or "filesystem://",
        var_dir=var_dir,
    )
