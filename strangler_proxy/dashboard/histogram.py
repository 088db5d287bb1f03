"""Latency percentiles from histogram buckets, estimated the way Prometheus' histogram_quantile does."""
from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["quantile", "quantile_ms"]


def quantile(buckets: Iterable[tuple[float, float]], q: float) -> float | None:
    """Estimate the q-quantile from (upper bound, count in that bucket) pairs; None without observations.

    Counts are per bucket, not cumulative. The value is interpolated linearly inside the
    bucket that holds it; one that falls in the +Inf bucket is reported as the largest
    finite bound, because nothing better is known about it.
    """
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"q must be between 0 and 1, got {q}")
    ordered = sorted((bound, count) for bound, count in buckets if count > 0)
    total = sum(count for _, count in ordered)
    if total <= 0:
        return None
    rank = q * total
    cumulative = 0.0
    lower = 0.0
    for bound, count in ordered:
        if cumulative + count >= rank:
            if math.isinf(bound):
                return lower
            return lower + (bound - lower) * ((rank - cumulative) / count)
        cumulative += count
        lower = bound
    return lower


def quantile_ms(buckets: Iterable[tuple[float, float]], q: float) -> float | None:
    """Return `quantile` in milliseconds, rounded for display."""
    value = quantile(buckets, q)
    return None if value is None else round(value * 1000, 3)
