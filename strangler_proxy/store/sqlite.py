"""The embedded default store: one SQLite file, zero set-up.

Every change runs in one IMMEDIATE transaction (version + state + audit row), so writers from
several processes (workers, the CLI) serialise cleanly. Triggers make the audit table
append-only. Workers learn about changes by polling the version, which is one indexed read.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

from strangler_proxy.errors import StoreUnavailable
from strangler_proxy.routing.model import RouteState
from strangler_proxy.store.base import KILL_SWITCH, AuditEntry, Snapshot, utc_now

__all__ = ["SqliteStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS strangler_meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT OR IGNORE INTO strangler_meta (key, value) VALUES ('version', 0), ('kill_switch', 0);
CREATE TABLE IF NOT EXISTS strangler_route_state (
    route_id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS strangler_audit (
    version INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    subject TEXT NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS strangler_audit_subject ON strangler_audit (subject, version);
CREATE TRIGGER IF NOT EXISTS strangler_audit_no_update BEFORE UPDATE ON strangler_audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS strangler_audit_no_delete BEFORE DELETE ON strangler_audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


class SqliteStore:
    """Route states and the audit log in a SQLite file shared by every local process."""

    kind = "sqlite"

    def __init__(self, path: Path | str, *, poll_seconds: float = 0.25) -> None:
        self.path = Path(path)
        self.poll_seconds = poll_seconds
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=10.0, isolation_level=None,
                                       check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(f"BEGIN IMMEDIATE;\n{_SCHEMA}\nCOMMIT;")
        except (OSError, sqlite3.Error) as error:
            raise StoreUnavailable(f"cannot open the route store {self.path}: {error}") from None

    def _transaction(self):
        return _Immediate(self._db)

    def snapshot(self) -> Snapshot:
        with self._lock, self._guard():
            self._db.execute("BEGIN")
            try:
                meta = dict(self._db.execute("SELECT key, value FROM strangler_meta"))
                rows = self._db.execute("SELECT route_id, state FROM strangler_route_state").fetchall()
            finally:
                self._db.execute("COMMIT")
        states = {route_id: RouteState.from_dict(json.loads(state)) for route_id, state in rows}
        return Snapshot(int(meta["version"]), states, bool(meta["kill_switch"]))

    def version(self) -> int:
        with self._lock, self._guard():
            row = self._db.execute("SELECT value FROM strangler_meta WHERE key = 'version'").fetchone()
        return int(row[0])

    def set_route_state(
        self, *, route_id: str, state: RouteState, default: RouteState, actor: str, reason: str
    ) -> AuditEntry:
        with self._lock, self._guard(), self._transaction():
            row = self._db.execute("SELECT state FROM strangler_route_state WHERE route_id = ?",
                                   (route_id,)).fetchone()
            before = json.loads(row[0]) if row else default.as_dict()
            version = self._bump()
            self._db.execute(
                "INSERT INTO strangler_route_state (route_id, state, version) VALUES (?, ?, ?) "
                "ON CONFLICT (route_id) DO UPDATE SET state = excluded.state, version = excluded.version",
                (route_id, json.dumps(state.as_dict()), version))
            return self._append(version, actor, route_id, before, state.as_dict(), reason)

    def set_kill_switch(self, *, on: bool, actor: str, reason: str) -> AuditEntry:
        with self._lock, self._guard(), self._transaction():
            row = self._db.execute("SELECT value FROM strangler_meta WHERE key = 'kill_switch'").fetchone()
            version = self._bump()
            self._db.execute("UPDATE strangler_meta SET value = ? WHERE key = 'kill_switch'", (int(on),))
            return self._append(version, actor, KILL_SWITCH, {"on": bool(row[0])}, {"on": on}, reason)

    def _bump(self) -> int:
        self._db.execute("UPDATE strangler_meta SET value = value + 1 WHERE key = 'version'")
        return int(self._db.execute("SELECT value FROM strangler_meta WHERE key = 'version'").fetchone()[0])

    def _append(self, version: int, actor: str, subject: str, before: dict, after: dict, reason: str) -> AuditEntry:
        entry = AuditEntry(version, utc_now(), actor, subject, before, after, reason)
        self._db.execute(
            "INSERT INTO strangler_audit (version, at, actor, subject, before, after, reason) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (version, entry.at, actor, subject, json.dumps(before), json.dumps(after), reason))
        return entry

    def history(self, *, subject: str | None = None, limit: int = 50) -> list[AuditEntry]:
        query = "SELECT version, at, actor, subject, before, after, reason FROM strangler_audit"
        params: tuple = ()
        if subject is not None:
            query += " WHERE subject = ?"
            params = (subject,)
        query += " ORDER BY version DESC LIMIT ?"
        with self._lock, self._guard():
            rows = self._db.execute(query, (*params, limit)).fetchall()
        return [AuditEntry(v, at, actor, subj, json.loads(b), json.loads(a), reason)
                for v, at, actor, subj, b, a, reason in rows]

    def wait_for_change(self, timeout: float) -> None:
        time.sleep(min(timeout, self.poll_seconds))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _guard(self):
        return _Unavailable(self.path)


class _Immediate:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, error, trace) -> None:
        self._db.execute("ROLLBACK" if kind else "COMMIT")


class _Unavailable:
    """Turn sqlite3 errors into StoreUnavailable naming the file."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, error, trace) -> bool:
        if kind is not None and issubclass(kind, sqlite3.Error):
            raise StoreUnavailable(f"route store {self._path}: {error}") from None
        return False
