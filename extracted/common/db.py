"""A service's own database: SQLite by default, PostgreSQL by URL (SQLAlchemy 2).

SQLite runs in WAL mode and every transaction takes the write lock up front
(BEGIN IMMEDIATE), so the web workers, the Celery worker and the relay of one
service can share the file without "database is locked" upgrades mid-transaction.
"""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import DateTime, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

__all__ = ["Database", "UTCDateTime", "insert_ignoring_conflicts", "reset_id_sequence",
           "sqlalchemy_url", "utc_now"]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def sqlalchemy_url(url: str) -> str:
    """Accept the monolith's URL forms (postgres://, postgresql://, sqlite:///path)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in and out, on SQLite (which stores naive text) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(connection, _record):
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        connection.isolation_level = None
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Database:
    """One engine and its sessions; `transaction()` commits or rolls back as a unit."""

    def __init__(self, url: str):
        self.url = sqlalchemy_url(url)
        if self.url.startswith("sqlite"):
            self.engine = _sqlite_engine(self.url)
        else:
            self.engine = create_engine(self.url, pool_pre_ping=True)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def reset_id_sequence(session: Session, table: str) -> None:
    """After rows were written with explicit ids, make new ids start above them.

    SQLite picks max(id)+1 by itself; PostgreSQL's sequence must be told.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(text(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
        f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1), "
        f"(SELECT COUNT(*) > 0 FROM {table}))"
    ))


def insert_ignoring_conflicts(session: Session, model, values: dict) -> bool:
    """INSERT one row unless a unique key already holds it; True when it was inserted."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = model.__table__
    # RETURNING answers whether the row went in; rowcount is not reliable across drivers.
    statement = (dialect.insert(table).values(**values).on_conflict_do_nothing()
                 .returning(*table.primary_key.columns))
    return session.connection().execute(statement).first() is not None
