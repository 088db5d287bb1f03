"""Tests: the same settings, faster password hashing, a file-backed SQLite test database.

A file (not in-memory) SQLite test database lets real Celery worker threads and
processes see what the test wrote.
"""
import os

from monolith.settings.base import *  # noqa: F401,F403
from monolith.settings.env import ENV

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    ENV.var_dir.mkdir(parents=True, exist_ok=True)
    # One file per test session, so two pytest runs on one machine never share a database.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(ENV.var_dir / f"test-monolith-{os.getpid()}.sqlite3")
    }

# Tests talk to a real Redis broker (scripts/test exports the URL); with none given the
# embedded filesystem broker stays, and the Celery worker fixture refuses to run.
if os.environ.get("STRANGLER_TEST_REDIS_URL"):
    CELERY_BROKER_URL = os.environ["STRANGLER_TEST_REDIS_URL"]
    CELERY_BROKER_TRANSPORT_OPTIONS = broker_transport_options(CELERY_BROKER_URL)  # noqa: F405
