"""Shadow mode end to end: a real proxy, a fake monolith and a fake extracted catalog with planted differences."""
from __future__ import annotations

import asyncio

from tests.helpers import wait_for
from tests.strangler_proxy.shadow.conftest import DETAIL, LIST, plant


def test_planted_differences_are_found_and_the_timestamp_is_learned_as_noise(shadow_proxy, backends, loop_thread):
    planted = plant(backends, loop_thread)
    proxy = shadow_proxy()
    for number in range(20):
        reply = proxy.get(LIST, {"X-Request-ID": f"list-{number}"})
        assert reply.status == 200 and reply.header("X-Strangler-Backend") == "monolith"
        assert reply.body == planted.monolith_bodies[f"list-{number}"]
    for number in range(10):
        reply = proxy.get(DETAIL, {"X-Request-ID": f"detail-{number}"})
        assert reply.body == planted.monolith_bodies[f"detail-{number}"]
    proxy.drain()
    summary = proxy.summary()
    labels = {f.field: f.label for f in summary.fields}
    assert labels == {"/results/*/price": "real", "/results/*/sku": "real", "/generated_at": "noise"}
    assert (summary.compared, summary.mismatched, summary.noise, summary.matched) == (30, 20, 10, 0)
    assert summary.noise_probes == 30 and summary.error_total == 0
    assert summary.suggested_rules[-1] == 'ignore = ["/generated_at"]'


def test_the_user_is_answered_while_a_slow_shadow_target_still_holds_the_mirrored_request(
        shadow_proxy, backends, loop_thread):
    planted = plant(backends, loop_thread)
    planted.gate = loop_thread.run(_event())
    proxy = shadow_proxy(noise_percent=0.0)
    reply = proxy.get(LIST, {"X-Request-ID": "slow-1"})
    assert reply.status == 200 and reply.body == planted.monolith_bodies["slow-1"]
    wait_for(lambda: backends["catalog"].hits)  # the mirrored request arrived...
    assert planted.catalog_answered == 0  # ...and is still waiting: the user did not
    loop_thread.loop.call_soon_threadsafe(planted.gate.set)
    proxy.drain()
    assert planted.catalog_answered == 1
    assert proxy.summary().compared == 1


def test_a_shadow_target_that_is_down_costs_the_user_nothing_and_is_counted(shadow_proxy, backends, loop_thread):
    planted = plant(backends, loop_thread)
    proxy = shadow_proxy(noise_percent=0.0)
    loop_thread.run(backends["catalog"].stop())
    for number in range(3):
        reply = proxy.get(LIST, {"X-Request-ID": f"down-{number}"})
        assert reply.status == 200 and reply.body == planted.monolith_bodies[f"down-{number}"]
    proxy.drain()
    summary = proxy.summary()
    assert summary.compared == 0 and summary.error_total == 3
    assert set(summary.errors) <= {"unreachable", "unavailable"}


def test_a_mirrored_exchange_past_the_route_timeout_is_an_error_not_a_wait(shadow_proxy, backends, loop_thread):
    planted = plant(backends, loop_thread)
    planted.gate = loop_thread.run(_event())
    proxy = shadow_proxy(extra="[routes.shadow]\ntimeout = 0.2", noise_percent=0.0)
    assert proxy.get(LIST).status == 200
    proxy.drain()
    loop_thread.loop.call_soon_threadsafe(planted.gate.set)
    assert proxy.summary().errors == {"timeout": 1}


def test_past_the_concurrency_cap_exchanges_are_dropped_and_counted(shadow_proxy, backends, loop_thread):
    planted = plant(backends, loop_thread)
    planted.gate = loop_thread.run(_event())
    proxy = shadow_proxy(extra="[routes.shadow]\nconcurrency = 1", noise_percent=0.0)
    proxy.get(LIST)
    wait_for(lambda: backends["catalog"].hits)
    for _ in range(3):
        assert proxy.get(LIST).status == 200
    loop_thread.loop.call_soon_threadsafe(planted.gate.set)
    proxy.drain()
    summary = proxy.summary()
    assert summary.dropped == {"overload": 3} and summary.compared == 1
    assert len(backends["catalog"].hits) == 1


def test_the_sample_rate_leaves_requests_out_and_counts_them(shadow_proxy, backends, loop_thread):
    plant(backends, loop_thread)
    draws = iter([0.10, 0.90, 0.10, 0.90] + [0.0] * 100)  # sample draw per request, then noise draws
    proxy = shadow_proxy(extra="[routes.shadow]\nsample_percent = 50\nnoise_percent = 0", rng=lambda: next(draws))
    for _ in range(4):
        proxy.get(DETAIL)
    proxy.drain()
    summary = proxy.summary()
    assert summary.sampled_out == 2 and summary.compared == 2


def test_unsafe_methods_are_not_mirrored_unless_the_backend_is_dry_run(shadow_proxy, backends, loop_thread):
    plant(backends, loop_thread)
    proxy = shadow_proxy()
    assert proxy.request("POST", LIST, {"Content-Type": "application/json"}, b'{"name": "Chair"}').status == 201
    proxy.drain()
    assert proxy.summary("catalog-write").skipped == {"unsafe_method": 1}
    assert backends["catalog"].hits == []


def test_a_dry_run_backend_gets_unsafe_requests_marked_as_such_and_the_monolith_gets_them_once(
        shadow_proxy, backends, loop_thread):
    plant(backends, loop_thread)
    proxy = shadow_proxy(backend_options="dry_run = true\n")
    proxy.request("POST", LIST, {"Content-Type": "application/json"}, b'{"name": "Chair"}')
    proxy.drain()
    [mirrored] = backends["catalog"].hits
    assert mirrored.method == "POST" and mirrored.body == b'{"name": "Chair"}'
    assert mirrored.headers["X-Strangler-Dry-Run"] == "1" and mirrored.headers["X-Strangler-Shadow"] == "1"
    assert [h.method for h in backends["monolith"].hits] == ["POST"]  # never probed twice
    assert proxy.summary("catalog-write").compared == 1


def test_bodies_over_the_capture_cap_are_counted_as_skipped(shadow_proxy, backends, loop_thread):
    plant(backends, loop_thread)
    proxy = shadow_proxy(settings={"mirror_body_limit": 64})
    proxy.get(LIST)  # the monolith's answer is larger than 64 bytes
    proxy.drain()
    assert proxy.summary().skipped == {"body_too_large": 1}
    assert backends["catalog"].hits == []


def test_results_reach_the_admin_api_the_metrics_and_the_html_report(shadow_proxy, backends, loop_thread):
    plant(backends, loop_thread)
    proxy = shadow_proxy()
    for _ in range(12):
        proxy.get(LIST, {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"})
    proxy.drain()
    listing = proxy.admin("GET", "compare").json()
    [route] = [r for r in listing["routes"] if r["route"] == "catalog-read"]
    assert route["compared"] == 12 and route["mismatched"] == 12
    assert route["latency_ms"]["monolith"]["count"] == 12 and route["latency_ms"]["extracted"]["p95"] is not None
    detail = proxy.admin("GET", "compare/catalog-read?samples=5").json()
    assert len(detail["samples"]) == 3  # the newest 3 examples of each set of differing fields
    sample = detail["samples"][0]
    assert dict(map(tuple, sample["request"]["headers"]))["Authorization"] == "[REDACTED]"
    assert {d["normalised_path"] for d in sample["differences"]} >= {"/results/*/price", "/results/*/sku"}
    rules = proxy.admin("GET", "compare/catalog-read/rules").json()
    assert 'ignore = ["/generated_at"]' in rules["toml"]
    metrics = proxy.get("/metrics").body.decode()
    assert 'strangler_mirror_total{outcome="sent",route="catalog-read"} 12.0' in metrics
    assert 'strangler_shadow_duration_seconds_count{route="catalog-read",side="extracted"} 12.0' in metrics
    page = proxy.admin("GET", "compare/report.html")
    assert page.status == 200 and page.header("Content-Type").startswith("text/html")
    html = page.body.decode()
    assert "/results/*/price" in html and "eyJzdWIiOiIxIn0" not in html


async def _event() -> asyncio.Event:
    return asyncio.Event()


def test_the_admin_api_refuses_a_flip_to_extracted_without_evidence_and_audits_a_forced_one(
        shadow_proxy, backends, loop_thread):
    plant(backends, loop_thread)
    proxy = shadow_proxy(extra="[routes.gate]\nmin_compared = 5")
    refused = proxy.admin("POST", "routes/catalog-read/flip", {"mode": "extracted", "reason": "ready?"})
    assert refused.status == 422 and refused.json()["error"]["code"] == "flip_refused"
    assert "too little shadow evidence: 0 compared (needs 5)" in refused.json()["error"]["message"]
    for _ in range(5):
        proxy.get(DETAIL)  # differs only in the timestamp: noise
    proxy.drain()
    allowed = proxy.admin("POST", "routes/catalog-read/flip", {"mode": "extracted", "reason": "evidence"})
    assert allowed.status == 200 and allowed.json()["entry"]["reason"] == "evidence"
    proxy.admin("POST", "routes/catalog-read/flip", {"mode": "shadow", "reason": "back"})
    for _ in range(5):
        proxy.get(LIST)  # planted differences
    proxy.drain()
    assert proxy.admin("POST", "routes/catalog-read/flip", {"mode": "extracted", "reason": "x"}).status == 422
    forced = proxy.admin("POST", "routes/catalog-read/flip",
                         {"mode": "extracted", "reason": "monolith outage", "force": True})
    assert forced.status == 200
    assert forced.json()["entry"]["reason"].startswith("monolith outage [forced past the evidence gate:")
    bad = proxy.admin("POST", "routes/catalog-read/flip", {"mode": "extracted", "reason": "x", "force": "yes"})
    assert bad.status == 400


def test_the_compare_admin_endpoints_refuse_bad_input_as_json(shadow_proxy, backends, loop_thread):
    plant(backends, loop_thread)
    proxy = shadow_proxy()
    assert proxy.admin("GET", "compare/nope").json()["error"]["code"] == "not_found"
    assert proxy.admin("GET", "compare/catalog-read?samples=x").status == 400
    assert proxy.admin("POST", "compare/catalog-read/reset", {}).status == 400
    assert proxy.admin("DELETE", "compare").status == 405
    assert proxy.admin("GET", "compare", token=None).status == 401
    assert proxy.admin("POST", "compare/catalog-read/reset", {"reason": "start over"}).json() == \
        {"route": "catalog-read", "reset": True}


def test_large_answers_are_compared_in_the_compare_thread_just_the_same(shadow_proxy, backends, loop_thread):
    import json

    from aiohttp import web

    def catalogue(price: str) -> bytes:
        return json.dumps({"results": [{"id": n, "name": f"Product {n}", "price": price if n == 150 else "1.00"}
                                       for n in range(300)]}).encode()

    async def monolith(request, body):
        return web.Response(body=catalogue("1.00"), content_type="application/json")

    async def catalog(request, body):
        return web.Response(body=catalogue("2.00"), content_type="application/json")

    backends["monolith"].respond, backends["catalog"].respond = monolith, catalog
    proxy = shadow_proxy()
    assert len(proxy.get(LIST).body) > 8 * 1024
    proxy.drain()
    summary = proxy.summary()
    assert (summary.compared, summary.mismatched) == (1, 1)
    assert [f.field for f in summary.fields] == ["/results/*/price"]
