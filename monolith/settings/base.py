"""Settings shared by every way of running the monolith."""
from __future__ import annotations

import dj_database_url

from monolith.settings.env import ENV, ROOT

BASE_DIR = ROOT
SECRET_KEY = ENV.secret_key
DEBUG = ENV.debug
ALLOWED_HOSTS = ENV.allowed_hosts
USE_X_FORWARDED_HOST = True
# Behind the strangler proxy: absolute links (pagination) keep the client's scheme.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "monolith.common",
    "monolith.outbox",
    "monolith.accounts",
    "monolith.catalog",
    "monolith.orders",
    "monolith.coupons",
    "monolith.notifications",
    "monolith.board",
    "monolith.demo",
]

MIDDLEWARE = [
    "monolith.common.middleware.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "monolith.urls"
WSGI_APPLICATION = "monolith.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

DATABASES = {"default": dj_database_url.parse(ENV.database_url, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process, the relay and the workers read while one writes.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_TZ = True
STATIC_URL = "static/"

DATA_UPLOAD_MAX_MEMORY_SIZE = ENV.max_body_bytes

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["monolith.accounts.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "monolith.common.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Shop monolith API",
    "DESCRIPTION": (
        "The shop that strangler migrates. Every error has the shape "
        '{"error": {"code": str, "message": str, "details": {field: [str]}}}.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}

# Celery: Redis when REDIS_URL is set, else kombu's filesystem transport (no server needed).
# The task profile (late acks, retries, dead letters) lives on the subscriber tasks
# themselves: monolith/outbox/consumer.py. Only settings every task shares are here.
BROKER_DIR = ENV.var_dir / "broker"
JOBS = ENV.jobs


def broker_transport_options(url: str) -> dict:
    """Transport options for `url`: embedded folders, or Redis timeouts and redelivery."""
    if url.startswith("filesystem"):
        return {
            "data_folder_in": str(BROKER_DIR / "queue"),
            "data_folder_out": str(BROKER_DIR / "queue"),
            "processed_folder": str(BROKER_DIR / "processed"),
            "control_folder": str(BROKER_DIR / "control"),
            "store_processed": False,
            # Workers look for new files this often (kombu's default is 1 s).
            "polling_interval": 0.05,
        }
    visibility = JOBS.visibility_timeout_seconds
    return {
        "visibility_timeout": visibility,
        # A broker that hangs must not hang a publisher: bounded connect and I/O.
        "socket_connect_timeout": JOBS.broker_timeout_seconds,
        "socket_timeout": max(JOBS.broker_timeout_seconds, 2.0),
        # Sweep for messages of dead workers often enough that redelivery takes about
        # the visibility timeout, not ten times it (kombu's defaults: 10 s x 10).
        "unacked_restore_interval": max(1, min(10, int(visibility // 10))),
        "unacked_restore_throttle": 1,
    }


CELERY_BROKER_URL = ENV.broker_url or ENV.redis_url or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = broker_transport_options(CELERY_BROKER_URL)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Late acknowledgement is for idempotent tasks only: they opt in one by one.
CELERY_TASK_ACKS_LATE = False
CELERY_TASK_REJECT_ON_WORKER_LOST = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SOFT_TIME_LIMIT = JOBS.soft_time_limit_seconds
CELERY_TASK_TIME_LIMIT = JOBS.time_limit_seconds

STRANGLER = {
    "JWT_SECRET": ENV.jwt_secret,
    "JWT_LIFETIME_SECONDS": ENV.jwt_lifetime_seconds,
    "JWT_ISSUER": "strangler-monolith",
    "NOTIFICATIONS_WRITER": ENV.notifications_writer,
    "CATALOG_WRITER": ENV.catalog_writer,
    "STOCK_BACKEND": ENV.stock_backend,
    "CATALOG_SERVICE_URL": ENV.catalog_service_url,
    "JOBS": JOBS,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.request": {"level": "ERROR"}},
}
