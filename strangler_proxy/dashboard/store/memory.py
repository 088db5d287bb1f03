"""Samples kept in this process only: for unit tests, and for in-memory route stores."""
from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Mapping

from strangler_proxy.dashboard.counters import SampleKey
from strangler_proxy.dashboard.store.base import SampleRow

__all__ = ["MemorySamples"]


class MemorySamples:
    """A dict of buckets guarded by a lock."""

    kind = "memory"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[int, dict[SampleKey, float]] = {}

    def add(self, bucket: int, gains: Mapping[SampleKey, float]) -> None:
        with self._lock:
            rows = self._buckets.setdefault(bucket, defaultdict(float))
            for key, value in gains.items():
                rows[key] += value

    def read(self, *, since: int, until: int, step: int) -> list[SampleRow]:
        summed: dict[tuple[int, str, str, str], float] = defaultdict(float)
        with self._lock:
            for bucket, rows in self._buckets.items():
                if since <= bucket < until:
                    start = bucket - bucket % step
                    for (route, backend, name), value in rows.items():
                        summed[(start, route, backend, name)] += value
        return sorted((*key, value) for key, value in summed.items())

    def prune(self, *, before: int) -> None:
        with self._lock:
            for bucket in [b for b in self._buckets if b < before]:
                del self._buckets[bucket]

    def close(self) -> None:
        return None
