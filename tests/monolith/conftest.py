"""Fixtures for the monolith's tests: API clients, users, products, a real Celery worker."""
from __future__ import annotations

from decimal import Decimal
from typing import Callable

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def make_user(db) -> Callable:
    from monolith.accounts.models import User

    counter = iter(range(1, 10_000))

    def make(*, email: str | None = None, password: str = "correct-horse-9", staff: bool = False,
             name: str = "Test User"):
        email = email or f"user{next(counter)}@example.com"
        user = User(email=email, username=email, name=name, is_staff=staff)
        user.set_password(password)
        user.save()
        return user

    return make


@pytest.fixture
def client_for(db) -> Callable[..., APIClient]:
    """An API client that sends `user`'s access token."""
    from monolith.accounts.tokens import token_issue

    def make(user) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user)}")
        return client

    return make


@pytest.fixture
def make_product(db) -> Callable:
    from monolith.catalog.models import Category, Product

    def make(*, name: str = "Teapot", price: str = "10.00", stock: int = 10, category: str = "kitchen"):
        cat, _ = Category.objects.get_or_create(slug=category, defaults={"name": category.title()})
        return Product.objects.create(name=name, price=Decimal(price), stock=stock, category=cat)

    return make


@pytest.fixture
def celery_worker(transactional_db, redis_url):
    """A real Celery worker (in a thread) consuming every subscriber queue from real Redis, and the relay."""
    from celery.contrib.testing.worker import start_worker

    from monolith.celery import app
    from monolith.outbox.runner import relay_thread
    from monolith.outbox.subscribers import all_queues

    if not app.conf.broker_url.startswith("redis"):
        pytest.fail("Celery tests need Redis: run scripts/test or set STRANGLER_TEST_REDIS_URL.")
    queues = all_queues()
    with app.connection_for_write() as conn:
        for queue in queues:
            try:
                conn.default_channel.queue_purge(queue)
            except Exception:  # a queue that was never declared has nothing to purge
                pass
    with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False,
                      queues=queues, shutdown_timeout=10), relay_thread():
        yield app

