"""The coupons contract's two sides as real servers on loopback, holding the same coupons.

The monolith (Django, its pytest database) serves from a thread with the contract's shop
and coupons; the coupons service, when there is one (`extracted.coupons`: the workshop's
module 6), gets them by the backfill through its internal data endpoints, exactly as in
a migration. Import the fixtures into a test module to use them.
"""
from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass

import pytest

from extracted.common.migration.backfill import backfill
from extracted.common.migration.client import ServiceClient
from extracted.common.migration.source import MonolithSource
from tests.contract.contract import Side
from tests.contract.coupons_contracts import seed_coupons
from tests.contract.data import seed_monolith
from tests.loopback import postgres_database_at, serve_wsgi

__all__ = ["CouponsWorld", "coupons_monolith", "coupons_world"]


@dataclass
class CouponsWorld:
    monolith: Side
    service: Side


def _monolith_database_url() -> str:
    from urllib.parse import quote

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


def _copy(context, url: str, secret: str) -> None:
    source = MonolithSource(_monolith_database_url())
    client = ServiceClient(base_url=url, context=context, jwt_secret=secret)
    try:
        backfill(context, source=source, client=client, progress=False)
    finally:
        client.close()
        source.close()


@pytest.fixture(scope="module")
def coupons_monolith(django_db_setup, django_db_blocker):
    """The monolith with the contract's shop and coupons, for a module of read-only contracts."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command

    import dj_database_url
    from django.db import connection

    from monolith.settings.env import ENV

    # pytest-django sets the test database up only for sessions with a django_db test in them;
    # without one this would seed (and flush!) the developer's own database.
    assert str(connection.settings_dict["NAME"]) != str(dj_database_url.parse(ENV.database_url)["NAME"]), \
        "mark the module's tests with pytest.mark.django_db: the test database is not set up"
    with django_db_blocker.unblock(), ExitStack() as stack:
        stack.callback(call_command, "flush", interactive=False, verbosity=0)
        tokens = seed_monolith()
        seed_coupons()
        yield Side("monolith", stack.enter_context(serve_wsgi(_closing_connections(WSGIHandler()))), tokens)


@pytest.fixture(scope="module")
def coupons_world(request, coupons_monolith, tmp_path_factory):
    """The monolith and the extracted coupons service, the coupons copied over by the backfill."""
    from django.conf import settings
    from django.db import connection

    from extracted.coupons import create_app
    from extracted.coupons.config import read_config
    from extracted.coupons.migration.tables import COUPONS

    with ExitStack() as stack:
        if connection.vendor == "postgresql":
            database = stack.enter_context(postgres_database_at(request.getfixturevalue("postgres_server_url")))
        else:
            database = f"sqlite:///{tmp_path_factory.mktemp('coupons') / 'coupons.sqlite3'}"
        app = create_app(read_config({"COUPONS_DATABASE_URL": database,
                                      "STRANGLER_JWT_SECRET": settings.STRANGLER["JWT_SECRET"]}))
        runtime = next((v for v in app.extensions.values() if hasattr(v, "db")), None)
        if runtime is not None:
            stack.callback(runtime.db.dispose)
        url = stack.enter_context(serve_wsgi(app))
        _copy(COUPONS, url, settings.STRANGLER["JWT_SECRET"])
        yield CouponsWorld(coupons_monolith, Side("service", url, coupons_monolith.tokens))
