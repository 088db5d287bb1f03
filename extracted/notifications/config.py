"""Every setting of the notifications service, read from the environment in this one place.

What every service reads, under NOTIFICATIONS_ here (extracted/common/settings.py):
NOTIFICATIONS_DATABASE_URL (sqlite:///$STRANGLER_VAR_DIR/notifications.sqlite3, or
postgresql://user@host/db), NOTIFICATIONS_HOST / NOTIFICATIONS_PORT (127.0.0.1:8002),
NOTIFICATIONS_WORKERS / _THREADS, NOTIFICATIONS_ALLOWED_HOSTS, NOTIFICATIONS_MAX_BODY_BYTES,
STRANGLER_JWT_SECRET / STRANGLER_JWT_ISSUER and STRANGLER_VAR_DIR. Its own: the broker shared
with the monolith, CELERY_BROKER_URL, else REDIS_URL, else a folder in $STRANGLER_VAR_DIR.

Which side writes the messages is the monolith's switch (STRANGLER_NOTIFICATIONS_WRITER):
it decides where UserSignedUp and OrderPlaced go, so there is never a second writer.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import ClassVar, Mapping

from extracted.common.settings import DEV_JWT_SECRET, ConfigError, ServiceConfig, broker_url

__all__ = ["ConfigError", "DEV_JWT_SECRET", "NotificationsConfig", "read_config"]


@dataclass(frozen=True, kw_only=True)
class NotificationsConfig(ServiceConfig):
    service: ClassVar[str] = "notifications"

    port: int = 8002
    broker_url: str = "filesystem://"


def read_config(environ: Mapping[str, str] | None = None) -> NotificationsConfig:
    env = os.environ if environ is None else environ
    return NotificationsConfig.from_env(env, broker_url=broker_url(env))
