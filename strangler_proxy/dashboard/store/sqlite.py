"""Samples in a SQLite file beside the route store's (`<name>.samples<suffix>`), shared by local workers.

A file of its own, not a table in the route store's: sample writes never queue behind a
flip's transaction, and the samples can be deleted without touching routes or the audit log.
"""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Mapping
from pathlib import Path

from strangler_proxy.dashboard.counters import SampleKey
from strangler_proxy.dashboard.store.base import SampleRow
from strangler_proxy.errors import StoreUnavailable

__all__ = ["SqliteSamples", "samples_path_for"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS strangler_samples (
    bucket INTEGER NOT NULL,
    route TEXT NOT NULL,
    backend TEXT NOT NULL,
    name TEXT NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (bucket, route, backend, name)
) WITHOUT ROWID;
"""


def samples_path_for(route_store_path: Path) -> Path:
    """Return the samples file that goes with a route store file."""
    return route_store_path.with_name(f"{route_store_path.stem}.samples{route_store_path.suffix or '.sqlite3'}")


class SqliteSamples:
    """Additive upserts into one table keyed by bucket, route, backend and name."""

    kind = "sqlite"

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=10.0, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(f"BEGIN IMMEDIATE;\n{_SCHEMA}\nCOMMIT;")
        except (OSError, sqlite3.Error) as error:
            raise StoreUnavailable(f"cannot open the dashboard samples {self.path}: {error}") from None

    def add(self, bucket: int, gains: Mapping[SampleKey, float]) -> None:
        if not gains:
            return
        rows = [(bucket, route, backend, name, value) for (route, backend, name), value in gains.items()]
        with self._lock, self._guard():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "INSERT INTO strangler_samples (bucket, route, backend, name, value) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (bucket, route, backend, name) DO UPDATE SET value = value + excluded.value",
                    rows)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def read(self, *, since: int, until: int, step: int) -> list[SampleRow]:
        with self._lock, self._guard():
            rows = self._db.execute(
                "SELECT bucket - (bucket % ?) AS start, route, backend, name, SUM(value) FROM strangler_samples "
                "WHERE bucket >= ? AND bucket < ? GROUP BY start, route, backend, name ORDER BY start",
                (step, since, until)).fetchall()
        return [(int(start), route, backend, name, float(value)) for start, route, backend, name, value in rows]

    def prune(self, *, before: int) -> None:
        with self._lock, self._guard():
            self._db.execute("DELETE FROM strangler_samples WHERE bucket < ?", (before,))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _guard(self) -> _Unavailable:
        return _Unavailable(self.path)


class _Unavailable:
    """Turn sqlite3 errors into StoreUnavailable naming the file."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, error, trace) -> bool:
        if kind is not None and issubclass(kind, sqlite3.Error):
            raise StoreUnavailable(f"dashboard samples {self._path}: {error}") from None
        return False
