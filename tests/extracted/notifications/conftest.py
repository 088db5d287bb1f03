"""Fixtures for the notifications service: an app on its own SQLite file, messages put in directly."""
from __future__ import annotations

import datetime as dt
from typing import Callable

import pytest

from extracted.notifications import create_app
from extracted.notifications.config import read_config
from extracted.notifications.models import Message
from tests.loopback import user_token

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def make_notifications(tmp_path) -> Callable:
    def make(*, database_url: str | None = None, **env: str):
        config = read_config({"STRANGLER_VAR_DIR": str(tmp_path), "CELERY_BROKER_URL": "memory://", **env})
        if database_url:
            config = config.with_changes(database_url=database_url)
        return create_app(config)

    return make


@pytest.fixture
def app(make_notifications):
    return make_notifications()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runtime(app):
    return app.extensions["notifications"]


@pytest.fixture
def as_user() -> Callable[[int], dict[str, str]]:
    """Headers carrying user `user_id`'s access token."""
    return lambda user_id: {"Authorization": f"Bearer {user_token(user_id)}"}


@pytest.fixture
def put_message(runtime) -> Callable:
    counter = iter(range(1, 100_000))

    def put(*, user_id: int = 1, kind: str = "order_confirmation", ref: str | None = None,
            title: str = "Hello", read: bool = False, minutes: int | None = None) -> int:
        number = next(counter)
        when = T0 + dt.timedelta(minutes=number if minutes is None else minutes)
        with runtime.db.transaction() as tx:
            message = Message(user_id=user_id, kind=kind, ref=ref or f"order:{number}", title=title,
                              body="Body.", created_at=when, read_at=when if read else None)
            tx.add(message)
            tx.flush()
            return message.id

    return put
