"""Tests: the same settings, faster password hashing, a file-backed SQLite test database.

A file (not in-memory) SQLite test database lets real Celery worker threads and
processes see what the test wrote.
"""
from monolith.settings.base import *  # noqa: F401,F403
from monolith.settings.env import ENV

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    ENV.var_dir.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": str(ENV.var_dir / "test-monolith.sqlite3")}  # noqa: F405
