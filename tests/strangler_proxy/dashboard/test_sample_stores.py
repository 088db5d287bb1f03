"""Every sample store adds up what the workers write and reads it back by step."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from strangler_proxy.config import ProxySettings
from strangler_proxy.dashboard.store import MemorySamples, open_sample_store
from strangler_proxy.dashboard.store.redis import RedisSamples
from strangler_proxy.dashboard.store.sqlite import SqliteSamples, samples_path_for
from strangler_proxy.errors import StoreUnavailable
from strangler_proxy.store.memory import MemoryStore
from strangler_proxy.store.sqlite import SqliteStore


@pytest.fixture(params=["memory", "sqlite", "redis"])
def samples(request, tmp_path: Path) -> Iterator[object]:
    if request.param == "memory":
        store = MemorySamples()
    elif request.param == "sqlite":
        store = SqliteSamples(tmp_path / "routes.samples.sqlite3")
    else:
        store = RedisSamples(request.getfixturevalue("redis_url"), prefix="test:")
    yield store
    store.close()


def test_two_workers_adding_to_one_bucket_are_summed(samples):
    samples.add(100, {("r", "b", "requests"): 3, ("r", "b", "errors"): 1})
    samples.add(100, {("r", "b", "requests"): 4})
    assert samples.read(since=0, until=1000, step=10) == [
        (100, "r", "b", "errors", 1.0), (100, "r", "b", "requests", 7.0)]


def test_buckets_are_summed_into_steps_and_the_window_is_half_open(samples):
    for bucket in (100, 110, 120, 130):
        samples.add(bucket, {("r", "b", "requests"): 1})
    assert samples.read(since=100, until=130, step=20) == [
        (100, "r", "b", "requests", 2.0), (120, "r", "b", "requests", 1.0)]


def test_pruning_drops_the_old_buckets_only(samples):
    samples.add(100, {("r", "b", "requests"): 1})
    samples.add(200, {("r", "b", "requests"): 2})
    samples.prune(before=150)
    assert samples.read(since=0, until=1000, step=10) == [(200, "r", "b", "requests", 2.0)]


def test_route_ids_with_separators_survive_the_round_trip(samples):
    samples.add(10, {('a|b"c', "", "mirror:sent"): 1})
    assert samples.read(since=0, until=100, step=10) == [(10, 'a|b"c', "", "mirror:sent", 1.0)]


def test_the_samples_file_sits_beside_the_route_store(tmp_path: Path):
    route_store = SqliteStore(tmp_path / "strangler-routes.sqlite3")
    try:
        samples = open_sample_store(route_store, ProxySettings())
        assert isinstance(samples, SqliteSamples)
        assert samples.path == tmp_path / "strangler-routes.samples.sqlite3"
        samples.close()
    finally:
        route_store.close()
    assert samples_path_for(Path("x/routes")) == Path("x/routes.samples.sqlite3")


def test_a_redis_route_store_keeps_its_samples_in_the_same_redis(redis_url):
    from strangler_proxy.store.redis import RedisStore

    samples = open_sample_store(RedisStore(redis_url), ProxySettings(store_url=redis_url))
    assert isinstance(samples, RedisSamples) and samples.url == redis_url


def test_an_in_memory_route_store_gets_in_memory_samples():
    assert isinstance(open_sample_store(MemoryStore(), ProxySettings()), MemorySamples)


def test_a_samples_file_that_cannot_be_opened_leaves_the_samples_in_memory(tmp_path: Path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    route_store = SqliteStore(tmp_path / "routes.sqlite3")
    route_store.path = blocker / "routes.sqlite3"  # as if the file's folder were unusable
    try:
        assert isinstance(open_sample_store(route_store, ProxySettings()), MemorySamples)
    finally:
        route_store.close()


def test_a_broken_samples_file_is_reported_as_store_unavailable(tmp_path: Path):
    path = tmp_path / "routes.samples.sqlite3"
    samples = SqliteSamples(path)
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE strangler_samples")
    with pytest.raises(StoreUnavailable, match="dashboard samples"):
        samples.add(10, {("r", "b", "requests"): 1})
    with pytest.raises(StoreUnavailable):
        samples.read(since=0, until=100, step=10)
    samples.close()


def test_an_unreachable_redis_is_reported_as_store_unavailable():
    from tests.strangler_proxy.conftest import free_port

    samples = RedisSamples(f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(StoreUnavailable, match="dashboard samples in Redis"):
        samples.add(10, {("r", "b", "requests"): 1})
