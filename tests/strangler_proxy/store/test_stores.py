"""Every store keeps a monotonic version and an append-only audit log, atomically with each change."""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from strangler_proxy.errors import StoreUnavailable
from strangler_proxy.routing.model import Mode, RouteState
from strangler_proxy.store.base import KILL_SWITCH, RouteStore
from strangler_proxy.store.memory import MemoryStore
from strangler_proxy.store.redis import RedisStore
from strangler_proxy.store.sqlite import SqliteStore

INITIAL = RouteState(Mode.MONOLITH)


@pytest.fixture(params=["memory", "sqlite", "redis"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], RouteStore]]:
    """Open (possibly several) handles on one store of each kind."""
    opened: list[RouteStore] = []
    memory = MemoryStore()

    def make() -> RouteStore:
        if request.param == "memory":
            return memory
        if request.param == "sqlite":
            store: RouteStore = SqliteStore(tmp_path / "routes.sqlite3", poll_seconds=0.05)
        else:
            store = RedisStore(request.getfixturevalue("redis_url"), prefix="test:")
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def test_a_new_store_is_empty_at_version_zero(open_store) -> None:
    snapshot = open_store().snapshot()
    assert (snapshot.version, dict(snapshot.states), snapshot.kill_switch) == (0, {}, False)


def test_each_change_bumps_the_version_by_one_and_is_audited(open_store) -> None:
    store = open_store()
    first = store.set_route_state(route_id="products", state=RouteState(Mode.CANARY, 1000), default=INITIAL,
                                  actor="alice", reason="start canary")
    second = store.set_route_state(route_id="products", state=RouteState(Mode.EXTRACTED), default=INITIAL,
                                   actor="bob", reason="all in")
    third = store.set_kill_switch(on=True, actor="carol", reason="incident")
    assert (first.version, second.version, third.version) == (1, 2, 3)
    assert store.version() == 3
    assert first.before == {"mode": "monolith", "percent": "0.00"}
    assert first.after == {"mode": "canary", "percent": "10.00"}
    assert second.before == first.after
    assert (third.subject, third.before, third.after) == (KILL_SWITCH, {"on": False}, {"on": True})
    assert first.at.endswith("Z") and first.actor == "alice" and first.reason == "start canary"
    snapshot = store.snapshot()
    assert snapshot.states == {"products": RouteState(Mode.EXTRACTED)} and snapshot.kill_switch


def test_history_is_newest_first_and_filters_by_subject(open_store) -> None:
    store = open_store()
    for n in range(5):
        store.set_route_state(route_id=f"r{n % 2}", state=RouteState(Mode.SHADOW), default=INITIAL,
                              actor="a", reason=f"change {n}")
    store.set_kill_switch(on=True, actor="a", reason="stop")
    assert [e.version for e in store.history()] == [6, 5, 4, 3, 2, 1]
    assert [e.reason for e in store.history(subject="r1")] == ["change 3", "change 1"]
    assert [e.subject for e in store.history(subject=KILL_SWITCH)] == [KILL_SWITCH]
    assert len(store.history(limit=2)) == 2


def test_a_second_handle_sees_the_changes_of_the_first(open_store) -> None:
    writer, reader = open_store(), open_store()
    writer.set_route_state(route_id="products", state=RouteState(Mode.SHADOW), default=INITIAL, actor="a",
                           reason="r")
    assert reader.version() == 1
    assert reader.snapshot().states["products"].mode is Mode.SHADOW


def test_concurrent_writers_get_distinct_consecutive_versions(open_store) -> None:
    handles = [open_store() for _ in range(4)]
    versions: list[int] = []
    lock = threading.Lock()

    def flip(store: RouteStore, n: int) -> None:
        for i in range(10):
            entry = store.set_route_state(route_id=f"r{n}", state=RouteState(Mode.CANARY, i + 1), default=INITIAL,
                                          actor=f"w{n}", reason="race")
            with lock:
                versions.append(entry.version)

    threads = [threading.Thread(target=flip, args=(store, n)) for n, store in enumerate(handles)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(versions) == list(range(1, 41))
    assert handles[0].version() == 40
    assert len(handles[0].history(limit=100)) == 40


def test_wait_for_change_returns_so_a_watcher_can_look(open_store) -> None:
    store = open_store()
    store.wait_for_change(0.05)  # returns (early on a change, else after the timeout)
    other = open_store()
    other.set_kill_switch(on=True, actor="a", reason="r")
    store.wait_for_change(0.5)
    assert store.version() == 1


def test_the_sqlite_audit_log_is_append_only(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "routes.sqlite3")
    store.set_kill_switch(on=True, actor="a", reason="r")
    store.close()
    db = sqlite3.connect(tmp_path / "routes.sqlite3")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE strangler_audit SET reason = 'rewritten'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM strangler_audit")
    db.close()


def test_the_sqlite_store_creates_its_directory(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "a" / "b" / "routes.sqlite3")
    assert store.version() == 0
    store.close()


def test_an_unreachable_redis_raises_store_unavailable_without_the_password() -> None:
    store = RedisStore("redis://user:hunter2@127.0.0.1:1/0")
    with pytest.raises(StoreUnavailable) as caught:
        store.version()
    assert "hunter2" not in str(caught.value)
    with pytest.raises(StoreUnavailable):
        store.wait_for_change(0.1)
    store.close()


def test_an_unopenable_sqlite_file_raises_store_unavailable(tmp_path: Path) -> None:
    (tmp_path / "dir.sqlite3").mkdir()
    with pytest.raises(StoreUnavailable):
        SqliteStore(tmp_path / "dir.sqlite3")
