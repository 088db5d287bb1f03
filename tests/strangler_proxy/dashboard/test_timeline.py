"""Stored samples as chart arrays: one value per step of the window."""
from __future__ import annotations

from strangler_proxy.dashboard.timeline import MAX_POINTS, Window, timeline, window_for


def test_a_short_window_has_one_point_per_interval_and_leaves_out_the_one_in_progress():
    window = window_for(now=60035.0, minutes=5, interval=10)
    assert window.step == 10
    assert window.until == 60030  # the interval 60030..60040 is still in progress
    assert len(window.starts) == 30 and window.starts[0] == 60030 - 300


def test_a_long_window_is_folded_into_at_most_max_points():
    window = window_for(now=10**6, minutes=24 * 60, interval=10)
    assert len(window.starts) <= MAX_POINTS
    assert window.step % 10 == 0


def test_requests_errors_and_latency_are_arrays_per_backend():
    window = Window(100, 130, 10)
    rows = [
        (100, "r", "catalog", "requests", 4), (100, "r", "catalog", "errors", 1),
        (100, "r", "catalog", "le:0.01", 4), (120, "r", "monolith", "requests", 2),
        (120, "r", "monolith", "le:0.1", 2), (500, "r", "monolith", "requests", 99),  # outside: ignored
    ]
    data = timeline(rows, window, recent_seconds=300)
    assert data["buckets"] == [100, 110, 120]
    assert data["backends"]["catalog"]["requests"] == [4, 0, 0]
    assert data["backends"]["catalog"]["errors"] == [1, 0, 0]
    assert data["backends"]["catalog"]["p50_ms"][0] == 5.0
    assert data["backends"]["catalog"]["p50_ms"][1] is None
    assert data["backends"]["monolith"]["requests"] == [0, 0, 2]
    assert data["routes"]["r"]["requests"] == {"catalog": [4, 0, 0], "monolith": [0, 0, 2]}
    assert data["recent"]["routes"]["r"]["by_backend"] == {"catalog": 4, "monolith": 2}
    assert data["shadow"] is None


def test_the_recent_split_covers_only_the_last_minutes():
    window = Window(0, 600, 60)
    rows = [(0, "r", "monolith", "requests", 10), (540, "r", "catalog", "requests", 5)]
    data = timeline(rows, window, recent_seconds=120)
    assert data["recent"]["routes"]["r"]["by_backend"] == {"catalog": 5}


def test_the_mismatch_rate_is_mismatched_over_compared_per_step():
    window = Window(0, 30, 10)
    rows = [(0, "r", "", "shadow:matched", 9), (0, "r", "", "shadow:mismatched", 1),
            (20, "r", "", "shadow:noise", 4)]
    shadow = timeline(rows, window, recent_seconds=30)["shadow"]
    assert shadow["compared"] == [10, 0, 4]
    assert shadow["mismatched"] == [1, 0, 0]
    assert shadow["mismatch_rate"] == [0.1, None, 0.0]
