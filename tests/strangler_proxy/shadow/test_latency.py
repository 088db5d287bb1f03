"""Latency buckets: percentiles from mergeable counts, within the 8% bucket width."""
from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from strangler_proxy.shadow.results.latency import BUCKET_GROWTH, bucket_of, bucket_upper_ms, quantile_ms


@settings(deadline=None)  # a shared machine: no per-example time limit
@given(st.floats(min_value=0.0002, max_value=1000.0, allow_nan=False))
def test_a_duration_lies_in_its_bucket_and_the_bound_is_at_most_8_percent_above(seconds: float) -> None:
    index = bucket_of(seconds)
    ms = seconds * 1000
    assert ms <= bucket_upper_ms(index) * (1 + 1e-9)
    assert bucket_upper_ms(index) <= ms * BUCKET_GROWTH * (1 + 1e-9)


@settings(deadline=None)  # a shared machine: no per-example time limit
@given(st.lists(st.floats(min_value=0.0, max_value=100.0, allow_nan=False), min_size=1, max_size=200))
def test_percentiles_of_merged_counts_equal_those_of_all_durations(durations: list[float]) -> None:
    half = len(durations) // 2
    merged = Counter(bucket_of(d) for d in durations[:half]) + Counter(bucket_of(d) for d in durations[half:])
    assert quantile_ms(merged, 0.5) == quantile_ms(Counter(bucket_of(d) for d in durations), 0.5)
    assert quantile_ms(merged, 0.5) <= quantile_ms(merged, 0.95)


def test_no_durations_have_no_percentile() -> None:
    assert quantile_ms({}, 0.5) is None
