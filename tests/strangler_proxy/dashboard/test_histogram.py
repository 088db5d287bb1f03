"""Percentiles from histogram buckets."""
from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strangler_proxy.dashboard.histogram import quantile, quantile_ms

BOUNDS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, math.inf)
bucket_counts = st.lists(st.integers(min_value=0, max_value=1000), min_size=len(BOUNDS), max_size=len(BOUNDS))


def test_no_observations_give_no_percentile():
    assert quantile([(0.01, 0), (math.inf, 0)], 0.5) is None
    assert quantile([], 0.99) is None


def test_the_percentile_is_interpolated_inside_its_bucket():
    # 10 requests up to 10 ms and 10 between 10 and 20 ms: the median is the 10 ms boundary,
    # the 75th percentile half way through the second bucket.
    buckets = [(0.01, 10), (0.02, 10)]
    assert quantile(buckets, 0.5) == pytest.approx(0.01)
    assert quantile(buckets, 0.75) == pytest.approx(0.015)
    assert quantile_ms(buckets, 0.75) == 15.0


def test_a_percentile_in_the_open_bucket_is_the_largest_known_bound():
    assert quantile([(0.1, 1), (math.inf, 99)], 0.99) == 0.1


def test_a_q_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError):
        quantile([(0.1, 1)], 1.5)


@given(bucket_counts, st.floats(min_value=0, max_value=1), st.floats(min_value=0, max_value=1))
def test_percentiles_never_decrease_as_q_grows(counts, q1, q2):
    buckets = list(zip(BOUNDS, counts))
    low, high = sorted((q1, q2))
    a, b = quantile(buckets, low), quantile(buckets, high)
    if sum(counts) == 0:
        assert a is None and b is None
    else:
        assert a <= b + 1e-12


@given(bucket_counts, st.floats(min_value=0, max_value=1))
def test_a_percentile_lies_between_zero_and_the_largest_finite_bound(counts, q):
    value = quantile(list(zip(BOUNDS, counts)), q)
    if value is not None:
        assert 0 <= value <= 1.0
