"""The Prometheus exposition: requests, latency, fallbacks, circuits and the table version."""
from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from strangler_proxy.metrics import ProxyMetrics
from tests.helpers import wait_for
from tests.strangler_proxy.conftest import table_text


def samples(text: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_the_exposition_carries_every_series_the_issue_names(make_proxy, backends) -> None:
    text = table_text({"monolith": backends["monolith"], "catalog": "http://127.0.0.1:1"})
    proxy = make_proxy(text)
    proxy.get("/api/v1/catalog/products/")  # falls back
    proxy.get("/api/v1/orders/")
    proxy.store.set_kill_switch(on=False, actor="t", reason="bump the version")

    def exposed() -> dict | None:
        found = samples(proxy.get("/metrics").body.decode())
        done = found.get(("strangler_requests_total", (("backend", "monolith"), ("route", "orders"),
                                                      ("status", "200"))))
        return found if done == 1 and found.get(("strangler_table_version", ())) == 1 else None

    found = wait_for(exposed, timeout=10)
    assert found[("strangler_requests_total", (("backend", "monolith"), ("route", "catalog-read"),
                                              ("status", "200")))] == 1
    assert found[("strangler_request_duration_seconds_count", (("backend", "monolith"),
                                                               ("route", "catalog-read")))] == 1
    assert found[("strangler_fallbacks_total", (("backend", "catalog"), ("reason", "upstream_unreachable"),
                                               ("route", "catalog-read")))] == 1
    assert found[("strangler_upstream_errors_total", (("backend", "catalog"),
                                                     ("kind", "upstream_unreachable")))] == 1
    assert ("strangler_circuit_state", (("backend", "catalog"), ("instance", "http://127.0.0.1:1"))) in found
    assert found[("strangler_kill_switch", ())] == 0


def test_route_stats_sum_requests_and_estimate_latency_from_the_histogram() -> None:
    metrics = ProxyMetrics(multiprocess=False)
    for seconds in (0.002, 0.002, 0.002, 0.2):
        metrics.observe("r", "catalog", 200, seconds)
    metrics.observe("r", "monolith", 503, 0.004)
    metrics.fallbacks.labels("r", "catalog", "status_503").inc()
    stats = metrics.route_stats()["r"]
    assert stats["requests"] == 5 and stats["by_backend"] == {"catalog": 4, "monolith": 1}
    assert stats["by_status"] == {"200": 4, "503": 1} and stats["fallbacks"] == 1
    assert stats["latency_p50_ms_at_most"] == 2.5 and stats["latency_p99_ms_at_most"] == 250.0
    assert 40 < stats["latency_mean_ms"] < 45
