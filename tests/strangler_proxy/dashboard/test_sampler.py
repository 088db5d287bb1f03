"""The sampler writes each interval's gains to the bucket of that interval, and loses nothing on a store outage."""
from __future__ import annotations

import asyncio

from strangler_proxy.dashboard.sampler import Sampler, bucket_of
from strangler_proxy.dashboard.store import MemorySamples
from strangler_proxy.errors import StoreUnavailable
from strangler_proxy.metrics import ProxyMetrics


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class FlakyStore(MemorySamples):
    def __init__(self) -> None:
        super().__init__()
        self.down = False

    def add(self, bucket, gains):
        if self.down:
            raise StoreUnavailable("down for the test")
        super().add(bucket, gains)


def requests_by_bucket(store: MemorySamples) -> dict[int, float]:
    return {bucket: value for bucket, route, backend, name, value in store.read(since=0, until=10**10, step=10)
            if name == "requests"}


def test_the_gains_go_to_the_interval_that_just_ended():
    metrics, store, clock = ProxyMetrics(multiprocess=False), MemorySamples(), Clock(1000.05)
    sampler = Sampler(metrics=metrics, store=store, interval=10, retention_seconds=3600, clock=clock)
    for _ in range(3):
        metrics.observe("r", "b", 200, 0.01)
    assert sampler.sample() == 3  # requests, latency_sum, one latency bucket
    metrics.observe("r", "b", 200, 0.01)
    clock.now = 1010.07
    sampler.sample()
    assert requests_by_bucket(store) == {990: 3, 1000: 1}


def test_an_interval_without_traffic_writes_nothing():
    metrics, store = ProxyMetrics(multiprocess=False), MemorySamples()
    sampler = Sampler(metrics=metrics, store=store, interval=10, retention_seconds=3600, clock=Clock(1000.05))
    assert sampler.sample() == 0
    assert store.read(since=0, until=10**10, step=10) == []


def test_gains_not_written_during_a_store_outage_are_written_with_the_next_sample():
    metrics, store, clock = ProxyMetrics(multiprocess=False), FlakyStore(), Clock(1000.05)
    sampler = Sampler(metrics=metrics, store=store, interval=10, retention_seconds=3600, clock=clock)
    metrics.observe("r", "b", 200, 0.01)
    store.down = True
    assert sampler.sample() == 0
    metrics.observe("r", "b", 200, 0.01)
    store.down = False
    clock.now = 1010.05
    sampler.sample()
    assert requests_by_bucket(store) == {1000: 2}


def test_old_samples_are_pruned_after_the_retention():
    metrics, store, clock = ProxyMetrics(multiprocess=False), MemorySamples(), Clock(1000.05)
    store.add(100, {("r", "b", "requests"): 1})
    sampler = Sampler(metrics=metrics, store=store, interval=10, retention_seconds=600, clock=clock)
    sampler.sample()
    assert store.read(since=0, until=10**10, step=10) == []


def test_stopping_writes_the_interval_in_progress():
    metrics, store, clock = ProxyMetrics(multiprocess=False), MemorySamples(), Clock(1003.0)
    sampler = Sampler(metrics=metrics, store=store, interval=10, retention_seconds=3600, clock=clock)

    async def run() -> None:
        await sampler.start()
        metrics.observe("r", "b", 200, 0.01)
        await sampler.stop()

    asyncio.run(run())
    assert requests_by_bucket(store) == {1000: 1}


def test_buckets_start_on_whole_intervals():
    assert bucket_of(1234.5, 10) == 1230
    assert bucket_of(1230.0, 10) == 1230
    assert bucket_of(59.9, 60) == 0
