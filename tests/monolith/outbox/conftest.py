"""Fixtures for the outbox's tests: fast job settings, recorded events, a worker on chosen queues."""
from __future__ import annotations

import dataclasses
from typing import Callable

import pytest


@pytest.fixture
def jobs_settings(settings, monkeypatch) -> Callable:
    """Replace fields of settings.STRANGLER["JOBS"] for one test: `jobs_settings(max_retries=1)`."""

    def replace(**changes):
        jobs = dataclasses.replace(settings.STRANGLER["JOBS"], **changes)
        monkeypatch.setitem(settings.STRANGLER, "JOBS", jobs)
        return jobs

    return replace


@pytest.fixture
def record_sign_up(db) -> Callable:
    """Write a UserSignedUp event to the outbox as the sign-up service would; return the row."""
    from django.db import transaction

    from monolith.outbox.events import UserSignedUp
    from monolith.outbox.services import event_record

    counter = iter(range(1, 100_000))

    def record(user_id: int | None = None):
        user_id = user_id or next(counter)
        with transaction.atomic():
            return event_record(event=UserSignedUp(user_id=user_id, email=f"u{user_id}@example.com", name="U"))

    return record


@pytest.fixture
def worker_on(transactional_db, redis_url):
    """Start a real Celery worker thread on the given queues (purged first)."""
    from contextlib import ExitStack

    from celery.contrib.testing.worker import start_worker

    from monolith.celery import app

    if not app.conf.broker_url.startswith("redis"):
        pytest.fail("Celery tests need Redis: run scripts/test or set STRANGLER_TEST_REDIS_URL.")
    stack = ExitStack()

    def start(*queues: str):
        with app.connection_for_write() as conn:
            for queue in queues:
                conn.default_channel.client.delete(queue)
        stack.enter_context(start_worker(app, pool="solo", concurrency=1, perform_ping_check=False,
                                         queues=list(queues), shutdown_timeout=10))
        return app

    with stack:
        yield start


@pytest.fixture
def one_relay_rules(monkeypatch, tmp_path):
    """SQLite's rule (one relay, a lock file) whatever database the tests run on."""
    from monolith.outbox import relay_lock

    monkeypatch.setattr(relay_lock, "shares_the_table", lambda: False)
    monkeypatch.setattr(relay_lock, "lock_path", lambda: tmp_path / "outbox.relay.lock")
