"""Fixtures for the catalog service: an app on its own SQLite file, tokens, rows put in directly."""
from __future__ import annotations

import datetime as dt
from typing import Callable

import pytest

from extracted.catalog import create_app
from extracted.catalog.config import read_config
from extracted.catalog.sync import ProductState, category_put, product_put
from extracted.common.auth import internal_token
from tests.loopback import DEV_JWT_SECRET, user_token

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def make_catalog(tmp_path) -> Callable:
    """Build a catalog app; `writer` says who owns product writes."""

    def make(*, writer: str = "service", database_url: str | None = None, **env: str):
        config = read_config({"STRANGLER_VAR_DIR": str(tmp_path), "STRANGLER_CATALOG_WRITER": writer,
                              "CELERY_BROKER_URL": "memory://", **env})
        if database_url:
            config = config.with_changes(database_url=database_url)
        return create_app(config)

    return make


@pytest.fixture
def app(make_catalog):
    return make_catalog()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runtime(app):
    return app.extensions["catalog"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def staff() -> dict[str, str]:
    return bearer(user_token(1, staff=True))


@pytest.fixture
def customer() -> dict[str, str]:
    return bearer(user_token(2))


@pytest.fixture
def service_caller() -> dict[str, str]:
    return bearer(internal_token(secret=DEV_JWT_SECRET, issuer="strangler-monolith", subject="tests"))


@pytest.fixture
def put_product(runtime) -> Callable:
    """Write a product straight into the service's table (as the sync would)."""
    counter = iter(range(1, 100_000))

    def put(*, id: int | None = None, name: str = "Teapot", price: str = "10.00", stock: int = 10,
            category: tuple[int, str] | None = (1, "kitchen"), version: int = 1,
            created_at: dt.datetime | None = None, description: str = "") -> int:
        product_id = id or next(counter)
        when = created_at or T0 + dt.timedelta(minutes=product_id)
        with runtime.db.transaction() as tx:
            if category:
                category_put(tx, id=category[0], name=category[1].title(), slug=category[1])
            product_put(tx, ProductState(
                id=product_id, name=name, description=description,
                price_cents=int(round(float(price) * 100)), stock=stock,
                category_id=category[0] if category else None, created_at=when, updated_at=when,
                version=version))
        return product_id

    return put
