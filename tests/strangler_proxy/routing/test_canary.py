"""Canary assignment: accurate split, deterministic, sticky and monotonic in the percentage."""
from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strangler_proxy.routing.canary import bucket, format_percent, in_canary, parse_percent


def test_ten_thousand_users_at_ten_percent_land_within_statistical_tolerance() -> None:
    users = [f"user:{n}" for n in range(10_000)]
    migrated = sum(in_canary("catalog-products-read", user, parse_percent("10")) for user in users)
    expected, sigma = 1000, math.sqrt(10_000 * 0.1 * 0.9)  # binomial: 30
    assert abs(migrated - expected) <= 4 * sigma


@pytest.mark.parametrize("percent", ["0.5", "1", "25", "50", "99.99"])
def test_the_split_tracks_the_percentage_at_several_levels(percent: str) -> None:
    share = float(percent) / 100
    users = [f"anon:{n}" for n in range(20_000)]
    migrated = sum(in_canary("orders", user, parse_percent(percent)) for user in users)
    sigma = math.sqrt(20_000 * share * (1 - share))
    assert abs(migrated - 20_000 * share) <= 4 * sigma + 1


def test_the_bucket_is_the_documented_hash() -> None:
    import hashlib

    expected = int(hashlib.sha256(b"r:user:7").hexdigest(), 16) % 10_000
    assert bucket("r", "user:7") == expected


@given(user=st.text(max_size=30), low=st.integers(0, 10_000), high=st.integers(0, 10_000))
def test_raising_the_percentage_never_moves_a_migrated_user_back(user: str, low: int, high: int) -> None:
    low, high = min(low, high), max(low, high)
    if in_canary("catalog-products-read", user, low):
        assert in_canary("catalog-products-read", user, high)


@given(user=st.text(max_size=30), percent=st.integers(0, 10_000))
def test_the_same_user_always_gets_the_same_answer(user: str, percent: int) -> None:
    assert in_canary("r", user, percent) == in_canary("r", user, percent)


def test_zero_sends_nobody_and_a_hundred_sends_everybody() -> None:
    users = [f"u{n}" for n in range(500)]
    assert not any(in_canary("r", u, 0) for u in users)
    assert all(in_canary("r", u, 10_000) for u in users)


def test_buckets_differ_per_route_so_one_group_is_not_always_first() -> None:
    users = [f"u{n}" for n in range(2_000)]
    first = {u for u in users if in_canary("a", u, 1_000)}
    second = {u for u in users if in_canary("b", u, 1_000)}
    assert first != second


@pytest.mark.parametrize(("text", "bp"), [("0", 0), ("0.01", 1), ("12.5", 1250), ("12.50%", 1250), (100, 10_000),
                                          (7.25, 725)])
def test_percentages_have_a_resolution_of_one_hundredth(text: object, bp: int) -> None:
    assert parse_percent(text) == bp


@pytest.mark.parametrize("bad", ["0.001", "-1", "100.01", "abc", "nan", "inf", True])
def test_bad_percentages_are_refused(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_percent(bad)


def test_percentages_are_shown_with_two_decimals() -> None:
    assert format_percent(1250) == "12.50"
    assert format_percent(1) == "0.01"
    assert format_percent(10_000) == "100.00"
