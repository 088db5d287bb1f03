"""Results in memory: for tests, one-process experiments and `strangler replay`."""
from __future__ import annotations

import json
import threading
from collections.abc import Sequence

from strangler_proxy.shadow.results.base import KeyedResults
from strangler_proxy.shadow.results.model import (
    MAX_FIELDS_PER_ROUTE,
    MAX_SIGNATURES_PER_ROUTE,
    OVERFLOW,
    ResultsBatch,
    RouteData,
    Sample,
)

__all__ = ["MemoryResults"]

_OVERFLOW_SIGNATURE = json.dumps([OVERFLOW], ensure_ascii=False)


class MemoryResults(KeyedResults):
    """Keep results in this process."""

    kind = "memory"

    def __init__(self, *, keep_samples: int = 3) -> None:
        self.keep_samples = keep_samples
        self._lock = threading.Lock()
        self._data: dict[str, RouteData] = {}
        self._samples: dict[str, dict[str, list[Sample]]] = {}

    def apply(self, batch: ResultsBatch) -> None:
        with self._lock:
            for key in batch.keys():
                data = self._data.setdefault(key, RouteData(key))
                for name, n in batch.counts.get(key, {}).items():
                    data.counts[name] = data.counts.get(name, 0) + n
                for signature, n in batch.signatures.get(key, {}).items():
                    if signature not in data.signatures and len(data.signatures) >= MAX_SIGNATURES_PER_ROUTE:
                        signature = _OVERFLOW_SIGNATURE
                    data.signatures[signature] = data.signatures.get(signature, 0) + n
                for name, (x0, x1) in batch.fields.get(key, {}).items():
                    if name not in data.fields and len(data.fields) >= MAX_FIELDS_PER_ROUTE:
                        continue
                    a, b = data.fields.get(name, (0, 0))
                    data.fields[name] = (a + x0, b + x1)
                for bucket, n in batch.latency.get(key, {}).items():
                    data.latency[bucket] = data.latency.get(bucket, 0) + n
            for sample in batch.samples:
                data = self._data.get(sample.key)
                if data is None or sample.signature not in data.signatures or not self.keep_samples:
                    continue
                kept = self._samples.setdefault(sample.key, {}).setdefault(sample.signature, [])
                kept.insert(0, sample)
                del kept[self.keep_samples:]

    def _keys(self) -> list[str]:
        with self._lock:
            return list(self._data)

    def _read(self, keys: Sequence[str]) -> list[RouteData]:
        with self._lock:
            out = []
            for key in keys:
                data = self._data.get(key)
                out.append(RouteData(key) if data is None else
                           RouteData(key, dict(data.counts), dict(data.signatures), dict(data.fields),
                                     dict(data.latency)))
            return out

    def _samples_of(self, keys: Sequence[str], limit: int) -> list[Sample]:
        with self._lock:
            return [s for key in keys for kept in self._samples.get(key, {}).values() for s in kept]

    def _forget(self, keys: Sequence[str]) -> None:
        with self._lock:
            for key in keys:
                self._data.pop(key, None)
                self._samples.pop(key, None)

    def close(self) -> None:
        return None
