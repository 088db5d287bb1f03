"""Every setting of the notifications service, read from the environment in this one place.

    NOTIFICATIONS_DATABASE_URL        its own database   sqlite:///$STRANGLER_VAR_DIR/notifications.sqlite3
                                      (postgresql://user@host/db for PostgreSQL)
    STRANGLER_JWT_SECRET              HS256 key of the monolith's tokens (shared)
    STRANGLER_JWT_ISSUER              expected `iss` claim                          strangler-monolith
    NOTIFICATIONS_HOST / _PORT        where `python -m extracted.notifications` listens   127.0.0.1:8002
    NOTIFICATIONS_WORKERS / _THREADS  gunicorn processes and threads each           2 / 4
    NOTIFICATIONS_ALLOWED_HOSTS       comma-separated, like DJANGO_ALLOWED_HOSTS     *
    NOTIFICATIONS_MAX_BODY_BYTES      request body limit                            1048576
    CELERY_BROKER_URL / REDIS_URL     the broker shared with the monolith   (filesystem in $STRANGLER_VAR_DIR)
    STRANGLER_VAR_DIR                 local data folder                             ./.var

Which side writes the messages is the monolith's switch (STRANGLER_NOTIFICATIONS_WRITER):
it decides where UserSignedUp and OrderPlaced go, so there is never a second writer.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

__all__ = ["ConfigError", "NotificationsConfig", "read_config"]

ROOT = Path(__file__).resolve().parents[2]
# The monolith's development default (monolith/settings/env.py): tokens must verify here too.
DEV_JWT_SECRET = "dev-insecure-jwt-secret-change-me-in-production"


class ConfigError(ValueError):
    """A setting has a value the service cannot use; the message names the variable."""


@dataclass(frozen=True)
class NotificationsConfig:
    database_url: str
    jwt_secret: str = DEV_JWT_SECRET
    jwt_issuer: str = "strangler-monolith"
    host: str = "127.0.0.1"
    port: int = 8002
    workers: int = 2
    threads: int = 4
    allowed_hosts: tuple[str, ...] = ("*",)
    max_body_bytes: int = 1024 * 1024
    broker_url: str = "filesystem://"
    var_dir: Path = field(default_factory=lambda: ROOT / ".var")

    def with_changes(self, **changes: object) -> "NotificationsConfig":
        return replace(self, **changes)


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}: expected an integer, got {raw!r}") from None


def read_config(environ: Mapping[str, str] | None = None) -> NotificationsConfig:
    env = os.environ if environ is None else environ
    var_dir = Path(env.get("STRANGLER_VAR_DIR") or ROOT / ".var")
    return NotificationsConfig(
        database_url=env.get("NOTIFICATIONS_DATABASE_URL") or f"sqlite:///{var_dir / 'notifications.sqlite3'}",
        jwt_secret=env.get("STRANGLER_JWT_SECRET") or DEV_JWT_SECRET,
        jwt_issuer=env.get("STRANGLER_JWT_ISSUER") or "strangler-monolith",
        host=env.get("NOTIFICATIONS_HOST") or "127.0.0.1",
        port=_int(env, "NOTIFICATIONS_PORT", 8002),
        workers=_int(env, "NOTIFICATIONS_WORKERS", 2),
        threads=_int(env, "NOTIFICATIONS_THREADS", 4),
        allowed_hosts=tuple(h.strip() for h in (env.get("NOTIFICATIONS_ALLOWED_HOSTS") or "*").split(",")),
        max_body_bytes=_int(env, "NOTIFICATIONS_MAX_BODY_BYTES", 1024 * 1024),
        broker_url=env.get("CELERY_BROKER_URL") or env.get("REDIS_URL") or "filesystem://",
        var_dir=var_dir,
    )
