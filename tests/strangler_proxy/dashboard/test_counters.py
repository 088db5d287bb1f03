"""The proxy's counters flattened to (route, backend, name), and what they gained."""
from __future__ import annotations

from strangler_proxy.dashboard.counters import delta, own_counters
from strangler_proxy.metrics import ProxyMetrics


def test_requests_errors_latency_and_fallbacks_are_counted_per_route_and_backend():
    metrics = ProxyMetrics(multiprocess=False)
    metrics.observe("catalog-read", "catalog", 200, 0.003)
    metrics.observe("catalog-read", "catalog", 503, 0.2)
    metrics.observe("catalog-read", "monolith", 200, 0.02)
    metrics.fallbacks.labels("catalog-read", "catalog", "status_500").inc()
    metrics.mirrors.labels("catalog-read", "sent").inc(3)
    values = own_counters(metrics)
    assert values[("catalog-read", "catalog", "requests")] == 2
    assert values[("catalog-read", "catalog", "errors")] == 1
    assert ("catalog-read", "monolith", "errors") not in values
    assert values[("catalog-read", "catalog", "latency_sum")] == 0.203
    assert values[("catalog-read", "catalog", "fallbacks")] == 1
    assert values[("catalog-read", "", "mirror:sent")] == 3


def test_latency_buckets_are_kept_per_bucket_not_cumulative():
    metrics = ProxyMetrics(multiprocess=False)
    for seconds in (0.003, 0.004, 0.2):
        metrics.observe("r", "b", 200, seconds)
    values = own_counters(metrics)
    buckets = {name: value for (_, _, name), value in values.items() if name.startswith("le:")}
    assert buckets == {"le:0.005": 2, "le:0.25": 1}


def test_the_proxys_own_reserved_paths_are_not_traffic():
    metrics = ProxyMetrics(multiprocess=False)
    metrics.observe("_strangler", "-", 200, 0.001)
    assert own_counters(metrics) == {}


def test_shadow_comparisons_registered_beside_the_proxys_metrics_are_read_too():
    from prometheus_client import Counter

    metrics = ProxyMetrics(multiprocess=False)
    comparisons = Counter("strangler_shadow_comparisons", "test", ["route", "result"], registry=metrics.registry)
    comparisons.labels("r", "mismatched").inc(2)
    comparisons.labels("r", "matched").inc(5)
    values = own_counters(metrics)
    assert values[("r", "", "shadow:mismatched")] == 2
    assert values[("r", "", "shadow:matched")] == 5


def test_the_gain_leaves_out_counters_that_did_not_move():
    before = {("r", "b", "requests"): 5.0, ("r", "b", "errors"): 1.0}
    after = {("r", "b", "requests"): 8.0, ("r", "b", "errors"): 1.0, ("r", "m", "requests"): 2.0}
    assert delta(before, after) == {("r", "b", "requests"): 3.0, ("r", "m", "requests"): 2.0}


def test_a_counter_that_went_down_was_reset_so_all_of_it_is_new():
    assert delta({("r", "b", "requests"): 50.0}, {("r", "b", "requests"): 4.0}) == {("r", "b", "requests"): 4.0}
