"""Fixtures shared by every test: the real servers on loopback."""
from __future__ import annotations

import uuid

import pytest

from strangler_proxy.build import build_report
from tests import servers


def pytest_sessionstart(session: pytest.Session) -> None:
    """Refuse to test a stale build: Python would import the older .so, not the edited .py."""
    build = build_report()
    if build.stale:
        pytest.exit(build.summary(), returncode=pytest.ExitCode.USAGE_ERROR)


@pytest.fixture(scope="session")
def redis_server_url() -> str:
    """URL of a real Redis server (configured, or a throwaway one)."""
    return servers.redis_url()


@pytest.fixture
def redis_url(redis_server_url: str):
    """A Redis URL whose keys this test may use freely: the database is flushed after."""
    import redis

    client = redis.Redis.from_url(redis_server_url)
    yield redis_server_url
    client.flushdb()


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """URL of a real PostgreSQL server (configured, or a throwaway one)."""
    return servers.postgres_url()


@pytest.fixture
def postgres_database(postgres_server_url: str):
    """A fresh, empty PostgreSQL database for one test; dropped after."""
    import psycopg

    name = f"strangler_t_{uuid.uuid4().hex[:12]}"
    base = postgres_server_url.rsplit("/", 1)[0]
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{base}/{name}"
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
