"""Every environment variable the monolith reads, in one place, with safe local defaults."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name) or default)


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class JobsEnv:
    """Side jobs: the relay, the Celery task profile and the broker's timeouts."""

    max_retries: int
    max_starts: int
    retry_base_seconds: float
    retry_max_seconds: float
    soft_time_limit_seconds: float
    time_limit_seconds: float
    visibility_timeout_seconds: float
    broker_timeout_seconds: float
    relay_batch_size: int
    relay_poll_seconds: float
    relay_backoff_max_seconds: float
    relay_wake_address: str
    relay_metrics_port: int
    relay_beat_seconds: float
    retention_days: float
    prune_interval_seconds: float
    metrics_dir: Path


def read_jobs_env(var_dir: Path) -> JobsEnv:
    return JobsEnv(
        # A job that still fails after this many retries lands in the dead-letter table.
        max_retries=int(os.environ.get("STRANGLER_JOBS_MAX_RETRIES", "8")),
        # A job started this many times without finishing (its worker died each time:
        # a crash, out of memory, SIGKILL) is not started again but dead-lettered.
        max_starts=int(os.environ.get("STRANGLER_JOBS_MAX_STARTS", "5")),
        retry_base_seconds=_float("STRANGLER_JOBS_RETRY_BASE_SECONDS", 2.0),
        retry_max_seconds=_float("STRANGLER_JOBS_RETRY_MAX_SECONDS", 600.0),
        soft_time_limit_seconds=_float("STRANGLER_JOBS_SOFT_TIME_LIMIT_SECONDS", 60.0),
        time_limit_seconds=_float("STRANGLER_JOBS_TIME_LIMIT_SECONDS", 90.0),
        # Redis redelivers a message nobody acknowledged within this time.
        visibility_timeout_seconds=_float("STRANGLER_BROKER_VISIBILITY_TIMEOUT_SECONDS", 3600.0),
        broker_timeout_seconds=_float("STRANGLER_BROKER_TIMEOUT_SECONDS", 2.0),
        relay_batch_size=int(os.environ.get("STRANGLER_RELAY_BATCH_SIZE", "500")),
        relay_poll_seconds=_float("STRANGLER_RELAY_POLL_SECONDS", 0.5),
        relay_backoff_max_seconds=_float("STRANGLER_RELAY_BACKOFF_MAX_SECONDS", 10.0),
        # host:port of the relay's wake-up socket (UDP), or "off" to rely on polling.
        relay_wake_address=os.environ.get("STRANGLER_RELAY_WAKE", "127.0.0.1:8790"),
        relay_metrics_port=int(os.environ.get("STRANGLER_RELAY_METRICS_PORT", "0")),
        relay_beat_seconds=_float("STRANGLER_RELAY_BEAT_SECONDS", 1.0),
        # Sent outbox events, inbox rows and job start counts older than this are pruned.
        # Inbox rows must outlive every duplicate delivery (monolith.outbox.services.outbox_prune).
        retention_days=_float("STRANGLER_JOBS_RETENTION_DAYS", 7.0),
        # How often the relay (or beat) prunes; 0 leaves it to `strangler jobs prune`.
        prune_interval_seconds=_float("STRANGLER_JOBS_PRUNE_INTERVAL_SECONDS", 3600.0),
        metrics_dir=Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or var_dir / "metrics"),
    )


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
    jobs: JobsEnv


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
        jobs=read_jobs_env(var_dir),
    )


ENV = read_env()
