"""Latency as a mergeable histogram of geometric buckets, 8% wide: exact counts, p50/p95 within 8%.

Workers add their bucket counts to the shared store; any reader can then compute
percentiles over every worker's requests without keeping the requests themselves.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

__all__ = ["BUCKET_GROWTH", "bucket_of", "bucket_upper_ms", "quantile_ms"]

BUCKET_GROWTH = 1.08
_FIRST_MS = 0.1  # bucket 0 holds everything up to 0.1 ms
_LAST = 320  # about 4.7 days: nothing a timeout lets through is longer
_LOG_GROWTH = math.log(BUCKET_GROWTH)


def bucket_of(seconds: float) -> int:
    """Return the bucket holding this duration."""
    ms = seconds * 1000.0
    if not ms > _FIRST_MS:
        return 0
    return min(_LAST, math.ceil(math.log(ms / _FIRST_MS) / _LOG_GROWTH - 1e-9))


def bucket_upper_ms(index: int) -> float:
    """Return the largest duration (ms) bucket `index` holds."""
    return _FIRST_MS * BUCKET_GROWTH ** index


def quantile_ms(buckets: Mapping[int, int], q: float) -> float | None:
    """Return the q-quantile (0 < q <= 1) in ms as its bucket's upper bound; None without data."""
    total = sum(buckets.values())
    if total <= 0:
        return None
    rank = q * total
    seen = 0
    for index in sorted(buckets):
        seen += buckets[index]
        if seen >= rank:
            return round(bucket_upper_ms(index), 3)
    return round(bucket_upper_ms(max(buckets)), 3)
