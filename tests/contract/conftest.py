"""Both sides of each contract as real servers on loopback, holding the same shop.

The monolith (Django, its pytest database) serves from a thread; the shop is
written into it, then copied into the extracted service by the backfill, exactly
as in a migration. On the PostgreSQL pass the services use PostgreSQL too, so
both sides sort text the same way.

Reads share one shop per module (`read_world`); each write gets a fresh one.
"""
from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from urllib.parse import quote

import pytest

from extracted.common.migration.backfill import backfill
from extracted.common.migration.client import ServiceClient
from extracted.common.migration.source import MonolithSource
from tests.contract.contract import Side
from tests.contract.data import seed_monolith
from tests.loopback import postgres_database_at, serve_wsgi


def monolith_database_url() -> str:
    """The URL of the monolith's (test) database, for the backfill to read."""
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = quote(s["USER"] or "postgres") + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
    return f"postgresql://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _closing_connections(app):
    """Django's WSGI app, closing this thread's database connections after each request."""
    from django.db import connections

    def wrapped(environ, start_response):
        try:
            return list(app(environ, start_response))
        finally:
            connections.close_all()

    return wrapped


@pytest.fixture
def tokens(transactional_db, settings) -> dict[str, str]:
    settings.STRANGLER = {**settings.STRANGLER, "CATALOG_WRITER": "monolith"}
    return seed_monolith()


@pytest.fixture
def monolith_side(tokens, settings):
    from django.core.handlers.wsgi import WSGIHandler

    def set_owner(owner: bool) -> None:
        settings.STRANGLER = {**settings.STRANGLER, "CATALOG_WRITER": "monolith" if owner else "service"}

    with serve_wsgi(_closing_connections(WSGIHandler())) as url:
        yield Side("monolith", url, tokens, set_owner)


@pytest.fixture
def service_database(request, tmp_path):
    """Where a service keeps its data for this test: the monolith's kind of database."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return request.getfixturevalue("postgres_database")
    return lambda name: f"sqlite:///{tmp_path / name}.sqlite3"


def _database_url(service_database, name: str) -> str:
    return service_database(name) if callable(service_database) else service_database


@pytest.fixture
def catalog_side(tokens, settings, service_database):
    from extracted.catalog import create_app
    from extracted.catalog.config import read_config
    from extracted.catalog.migration.tables import CATALOG

    config = read_config({"STRANGLER_CATALOG_WRITER": "service", "CELERY_BROKER_URL": "memory://",
                          "CATALOG_PUBLISH_AFTER_COMMIT": "0",
                          "STRANGLER_JWT_SECRET": settings.STRANGLER["JWT_SECRET"],
                          "CATALOG_DATABASE_URL": _database_url(service_database, "catalog")})
    app = create_app(config)
    runtime = app.extensions["catalog"]

    def set_owner(owner: bool) -> None:
        runtime.config = runtime.config.with_changes(writer="service" if owner else "monolith")

    with ExitStack() as stack:
        url = stack.enter_context(serve_wsgi(app))
        _copy(CATALOG, url, settings)
        yield Side("service", url, tokens, set_owner)
    runtime.db.dispose()


@pytest.fixture
def notifications_side(tokens, settings, service_database):
    from extracted.notifications import create_app
    from extracted.notifications.config import read_config
    from extracted.notifications.migration.tables import NOTIFICATIONS

    config = read_config({"CELERY_BROKER_URL": "memory://",
                          "STRANGLER_JWT_SECRET": settings.STRANGLER["JWT_SECRET"],
                          "NOTIFICATIONS_DATABASE_URL": _database_url(service_database, "notifications")})
    app = create_app(config)
    with serve_wsgi(app) as url:
        _copy(NOTIFICATIONS, url, settings)
        yield Side("service", url, tokens)
    app.extensions["notifications"].db.dispose()


def _copy(context, url: str, settings) -> None:
    source = MonolithSource(monolith_database_url())
    client = ServiceClient(base_url=url, context=context, jwt_secret=settings.STRANGLER["JWT_SECRET"])
    try:
        backfill(context, source=source, client=client, progress=False)
    finally:
        client.close()
        source.close()


@dataclass
class World:
    monolith: Side
    catalog: Side
    notifications: Side


def _refuse_unless_test_database(connection) -> None:
    """Seeding and flushing must never reach a developer's real database."""
    import dj_database_url

    from monolith.settings.env import ENV

    real = str(dj_database_url.parse(ENV.database_url)["NAME"])
    if str(connection.settings_dict["NAME"]) == real:
        pytest.fail("the Django test database is not set up for this session "
                    "(mark the contract module with pytest.mark.django_db); refusing to seed the real one")


@pytest.fixture(scope="module")
def read_world(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """One shop on both sides for a module of read-only contracts; emptied afterwards."""
    from django.conf import settings as django_settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from django.db import connection

    from extracted.catalog import create_app as create_catalog
    from extracted.catalog.config import read_config as catalog_config
    from extracted.catalog.migration.tables import CATALOG
    from extracted.notifications import create_app as create_notifications
    from extracted.notifications.config import read_config as notifications_config
    from extracted.notifications.migration.tables import NOTIFICATIONS

    secret = django_settings.STRANGLER["JWT_SECRET"]
    with django_db_blocker.unblock(), ExitStack() as stack:
        _refuse_unless_test_database(connection)
        stack.callback(call_command, "flush", interactive=False, verbosity=0)
        tokens = seed_monolith()
        if connection.vendor == "postgresql":
            server = request.getfixturevalue("postgres_server_url")
            catalog_db = stack.enter_context(postgres_database_at(server))
            notifications_db = stack.enter_context(postgres_database_at(server))
        else:
            folder = tmp_path_factory.mktemp("contract")
            catalog_db, notifications_db = (f"sqlite:///{folder / n}.sqlite3" for n in ("catalog", "notes"))
        common = {"CELERY_BROKER_URL": "memory://", "STRANGLER_JWT_SECRET": secret}
        catalog = create_catalog(catalog_config({**common, "CATALOG_DATABASE_URL": catalog_db,
                                                 "CATALOG_PUBLISH_AFTER_COMMIT": "0"}))
        notifications = create_notifications(notifications_config(
            {**common, "NOTIFICATIONS_DATABASE_URL": notifications_db}))
        stack.callback(catalog.extensions["catalog"].db.dispose)
        stack.callback(notifications.extensions["notifications"].db.dispose)
        world = World(
            Side("monolith", stack.enter_context(serve_wsgi(_closing_connections(WSGIHandler()))), tokens),
            Side("service", stack.enter_context(serve_wsgi(catalog)), tokens),
            Side("service", stack.enter_context(serve_wsgi(notifications)), tokens),
        )
        _copy(CATALOG, world.catalog.base_url, django_settings)
        _copy(NOTIFICATIONS, world.notifications.base_url, django_settings)
        yield world
