"""Every environment variable the monolith reads, in one place, with safe local defaults."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class MonolithEnv:
    """The monolith's configuration as read from the environment."""

    debug: bool
    secret_key: str
    database_url: str
    var_dir: Path
    redis_url: str | None
    broker_url: str | None
    jwt_secret: str
    jwt_lifetime_seconds: int
    max_body_bytes: int
    allowed_hosts: list[str]
    notifications_writer: str
    catalog_writer: str
    stock_backend: str
    catalog_service_url: str


def read_env() -> MonolithEnv:
    var_dir = Path(os.environ.get("STRANGLER_VAR_DIR", ROOT / ".var"))
    return MonolithEnv(
        debug=_bool("DJANGO_DEBUG", False),
        secret_key=os.environ.get("DJANGO_SECRET_KEY", "dev-insecure-django-secret-key"),
        database_url=os.environ.get("DATABASE_URL", f"sqlite:///{var_dir / 'monolith.sqlite3'}"),
        var_dir=var_dir,
        redis_url=os.environ.get("REDIS_URL") or None,
        broker_url=os.environ.get("CELERY_BROKER_URL") or None,
        jwt_secret=os.environ.get("STRANGLER_JWT_SECRET", "dev-insecure-jwt-secret-change-me-in-production"),
        jwt_lifetime_seconds=int(os.environ.get("STRANGLER_JWT_LIFETIME_SECONDS", "3600")),
        max_body_bytes=int(os.environ.get("MONOLITH_MAX_BODY_BYTES", str(1024 * 1024))),
        allowed_hosts=os.environ.get("DJANGO_ALLOWED_HOSTS", "*").split(","),
        # Which side writes notifications for UserSignedUp/OrderPlaced: "monolith" or "service".
        notifications_writer=os.environ.get("STRANGLER_NOTIFICATIONS_WRITER", "monolith"),
        # Which side owns writes to products: "monolith" or "service".
        catalog_writer=os.environ.get("STRANGLER_CATALOG_WRITER", "monolith"),
        # Stock reservation: "local" (the monolith's table) or "remote" (the catalog service).
        stock_backend=os.environ.get("STRANGLER_STOCK_BACKEND", "local"),
        catalog_service_url=os.environ.get("STRANGLER_CATALOG_SERVICE_URL", "http://127.0.0.1:8001"),
    )


ENV = read_env()
