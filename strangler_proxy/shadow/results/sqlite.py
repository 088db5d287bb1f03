"""Results in a SQLite file beside the route store's: zero set-up, shared by the local workers.

Each batch is added in one IMMEDIATE transaction, so concurrent workers never lose a count
and a reader never sees half a batch.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from strangler_proxy.shadow.errors import ResultsUnavailable
from strangler_proxy.shadow.results.base import KeyedResults
from strangler_proxy.shadow.results.model import (
    MAX_FIELDS_PER_ROUTE,
    MAX_SIGNATURES_PER_ROUTE,
    OVERFLOW,
    ResultsBatch,
    RouteData,
    Sample,
)

__all__ = ["SqliteResults"]

_OVERFLOW_SIGNATURE = json.dumps([OVERFLOW], ensure_ascii=False)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS shadow_counts (
    route TEXT NOT NULL, name TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (route, name));
CREATE TABLE IF NOT EXISTS shadow_signatures (
    route TEXT NOT NULL, signature TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (route, signature));
CREATE TABLE IF NOT EXISTS shadow_fields (
    route TEXT NOT NULL, field TEXT NOT NULL, noise INTEGER NOT NULL, candidate INTEGER NOT NULL,
    PRIMARY KEY (route, field));
CREATE TABLE IF NOT EXISTS shadow_latency (
    route TEXT NOT NULL, side TEXT NOT NULL, bucket INTEGER NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (route, side, bucket));
CREATE TABLE IF NOT EXISTS shadow_samples (
    id INTEGER PRIMARY KEY AUTOINCREMENT, route TEXT NOT NULL, signature TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS shadow_samples_by_signature ON shadow_samples (route, signature, id);
"""
_TABLES = ("shadow_counts", "shadow_signatures", "shadow_fields", "shadow_latency", "shadow_samples")


class SqliteResults(KeyedResults):
    """Per-route results in a SQLite file (the `route` column holds the key of a route and source)."""

    kind = "sqlite"

    def __init__(self, path: Path | str, *, keep_samples: int = 3) -> None:
        self.path = Path(path)
        self.keep_samples = keep_samples
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=10.0, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(f"BEGIN IMMEDIATE;\n{_SCHEMA}\nCOMMIT;")
        except (OSError, sqlite3.Error) as error:
            raise ResultsUnavailable(f"cannot open the results store {self.path}: {error}") from None

    @contextmanager
    def _guard(self, *, write: bool = False) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                if write:
                    self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    if write:
                        self._db.execute("ROLLBACK")
                    raise
                if write:
                    self._db.execute("COMMIT")
            except sqlite3.Error as error:
                raise ResultsUnavailable(f"results store {self.path}: {error}") from None

    def apply(self, batch: ResultsBatch) -> None:
        with self._guard(write=True) as db:
            for key in sorted(batch.keys()):
                self._apply_route(db, key, batch)
            for sample in batch.samples:
                self._keep(db, sample)

    def _apply_route(self, db: sqlite3.Connection, route: str, batch: ResultsBatch) -> None:
        for name, n in batch.counts.get(route, {}).items():
            db.execute("INSERT INTO shadow_counts (route, name, n) VALUES (?, ?, ?) "
                       "ON CONFLICT (route, name) DO UPDATE SET n = n + excluded.n", (route, name, n))
        signatures = batch.signatures.get(route, {})
        if signatures:
            known = db.execute("SELECT COUNT(*) FROM shadow_signatures WHERE route = ?", (route,)).fetchone()[0]
            for signature, n in signatures.items():
                updated = db.execute("UPDATE shadow_signatures SET n = n + ? WHERE route = ? AND signature = ?",
                                     (n, route, signature)).rowcount
                if updated:
                    continue
                if known >= MAX_SIGNATURES_PER_ROUTE:
                    signature = _OVERFLOW_SIGNATURE
                known += 1
                db.execute("INSERT INTO shadow_signatures (route, signature, n) VALUES (?, ?, ?) "
                           "ON CONFLICT (route, signature) DO UPDATE SET n = n + excluded.n", (route, signature, n))
        fields = batch.fields.get(route, {})
        if fields:
            known = db.execute("SELECT COUNT(*) FROM shadow_fields WHERE route = ?", (route,)).fetchone()[0]
            for name, (noise, candidate) in fields.items():
                updated = db.execute("UPDATE shadow_fields SET noise = noise + ?, candidate = candidate + ? "
                                     "WHERE route = ? AND field = ?", (noise, candidate, route, name)).rowcount
                if not updated and known < MAX_FIELDS_PER_ROUTE:
                    known += 1
                    db.execute("INSERT INTO shadow_fields (route, field, noise, candidate) VALUES (?, ?, ?, ?)",
                               (route, name, noise, candidate))
        for (side, bucket), n in batch.latency.get(route, {}).items():
            db.execute("INSERT INTO shadow_latency (route, side, bucket, n) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (route, side, bucket) DO UPDATE SET n = n + excluded.n", (route, side, bucket, n))

    def _keep(self, db: sqlite3.Connection, sample: Sample) -> None:
        if not self.keep_samples:
            return
        key = sample.key
        tracked = db.execute("SELECT 1 FROM shadow_signatures WHERE route = ? AND signature = ?",
                             (key, sample.signature)).fetchone()
        if tracked is None:
            return
        db.execute("INSERT INTO shadow_samples (route, signature, data) VALUES (?, ?, ?)",
                   (key, sample.signature, json.dumps(sample.to_dict(), ensure_ascii=False)))
        db.execute("DELETE FROM shadow_samples WHERE route = ? AND signature = ? AND id NOT IN "
                   "(SELECT id FROM shadow_samples WHERE route = ? AND signature = ? ORDER BY id DESC LIMIT ?)",
                   (key, sample.signature, key, sample.signature, self.keep_samples))

    def _keys(self) -> list[str]:
        with self._guard() as db:
            rows = db.execute("SELECT route FROM shadow_counts UNION SELECT route FROM shadow_signatures "
                              "UNION SELECT route FROM shadow_latency").fetchall()
        return [row[0] for row in rows]

    def _read(self, keys: Sequence[str]) -> list[RouteData]:
        out = []
        with self._guard() as db:
            db.execute("BEGIN")
            try:
                for key in keys:
                    counts = dict(db.execute("SELECT name, n FROM shadow_counts WHERE route = ?", (key,)))
                    signatures = dict(db.execute("SELECT signature, n FROM shadow_signatures WHERE route = ?",
                                                 (key,)))
                    fields = {name: (noise, candidate) for name, noise, candidate in db.execute(
                        "SELECT field, noise, candidate FROM shadow_fields WHERE route = ?", (key,))}
                    latency = {(side, bucket): n for side, bucket, n in db.execute(
                        "SELECT side, bucket, n FROM shadow_latency WHERE route = ?", (key,))}
                    out.append(RouteData(key, counts, signatures, fields, latency))
            finally:
                db.execute("COMMIT")
        return out

    def _samples_of(self, keys: Sequence[str], limit: int) -> list[Sample]:
        with self._guard() as db:
            rows = [row for key in keys for row in db.execute(
                "SELECT data FROM shadow_samples WHERE route = ? ORDER BY id DESC LIMIT ?", (key, limit))]
        return [Sample.from_dict(json.loads(row[0])) for row in rows]

    def _forget(self, keys: Sequence[str]) -> None:
        with self._guard(write=True) as db:
            for key in keys:
                for table in _TABLES:
                    db.execute(f"DELETE FROM {table} WHERE route = ?", (key,))  # noqa: S608 - fixed names

    def close(self) -> None:
        with self._lock:
            self._db.close()
