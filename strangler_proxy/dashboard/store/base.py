"""What a sample store offers: per-interval counter gains, added up across workers, read back by step.

A row is (bucket, route, backend, name) -> value, where `bucket` is the start of the
interval in Unix seconds. Every worker adds its own gains to the same rows, so a read sees
the sum over all workers (and all hosts sharing a Redis store) without any coordination.
Stores are synchronous; the proxy calls them off the event loop.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from strangler_proxy.dashboard.counters import SampleKey

__all__ = ["SampleRow", "SampleStore"]

# (bucket start, route, backend, name, value)
SampleRow = tuple[int, str, str, str, float]


class SampleStore(Protocol):
    """Time-bucketed counters shared by every worker."""

    kind: str

    def add(self, bucket: int, gains: Mapping[SampleKey, float]) -> None:
        """Add the gains to the bucket's rows (creating them as needed)."""

    def read(self, *, since: int, until: int, step: int) -> list[SampleRow]:
        """Return rows with since <= bucket < until, summed into buckets of `step` seconds."""

    def prune(self, *, before: int) -> None:
        """Drop buckets older than `before`."""

    def close(self) -> None:
        """Release connections."""
