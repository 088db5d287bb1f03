"""Results in memory: for tests, one-process experiments and `strangler replay`."""
from __future__ import annotations

import json
import threading

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


class MemoryResults:
    """Keep results in this process."""

    kind = "memory"

    def __init__(self, *, keep_samples: int = 3) -> None:
        self.keep_samples = keep_samples
        self._lock = threading.Lock()
        self._data: dict[str, RouteData] = {}
        self._samples: dict[str, dict[str, list[Sample]]] = {}

    def apply(self, batch: ResultsBatch) -> None:
        with self._lock:
            for route in batch.routes():
                data = self._data.setdefault(route, RouteData(route))
                for name, n in batch.counts.get(route, {}).items():
                    data.counts[name] = data.counts.get(name, 0) + n
                for signature, n in batch.signatures.get(route, {}).items():
                    if signature not in data.signatures and len(data.signatures) >= MAX_SIGNATURES_PER_ROUTE:
                        signature = _OVERFLOW_SIGNATURE
                    data.signatures[signature] = data.signatures.get(signature, 0) + n
                for name, (x0, x1) in batch.fields.get(route, {}).items():
                    if name not in data.fields and len(data.fields) >= MAX_FIELDS_PER_ROUTE:
                        continue
                    a, b = data.fields.get(name, (0, 0))
                    data.fields[name] = (a + x0, b + x1)
                for key, n in batch.latency.get(route, {}).items():
                    data.latency[key] = data.latency.get(key, 0) + n
            for sample in batch.samples:
                data = self._data.get(sample.route)
                if data is None or sample.signature not in data.signatures or not self.keep_samples:
                    continue
                kept = self._samples.setdefault(sample.route, {}).setdefault(sample.signature, [])
                kept.insert(0, sample)
                del kept[self.keep_samples:]

    def routes(self) -> list[str]:
        with self._lock:
            return sorted(self._data)

    def route_data(self, route: str) -> RouteData:
        with self._lock:
            data = self._data.get(route)
            if data is None:
                return RouteData(route)
            return RouteData(route, dict(data.counts), dict(data.signatures), dict(data.fields), dict(data.latency))

    def samples(self, route: str, *, limit: int = 20) -> list[Sample]:
        with self._lock:
            every = [s for kept in self._samples.get(route, {}).values() for s in kept]
        every.sort(key=lambda s: s.at, reverse=True)
        return every[:limit]

    def reset(self, route: str) -> None:
        with self._lock:
            self._data.pop(route, None)
            self._samples.pop(route, None)

    def close(self) -> None:
        return None
