"""When the extracted backend fails: safe requests fall back to the monolith, writes are never re-sent."""
from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from tests.helpers import wait_for
from tests.strangler_proxy.conftest import FakeBackend, table_text


def failing(status: int):
    async def respond(request, body):
        return web.json_response({"error": "boom"}, status=status)
    return respond


async def hang(request, body):
    await asyncio.sleep(1)
    return web.json_response({})


def fallbacks(proxy) -> float:
    total = 0.0
    for metric in proxy.proxy.metrics.registry.collect():
        for sample in metric.samples:
            if sample.name == "strangler_fallbacks_total":
                total += sample.value
    return total


def test_a_get_falls_back_to_the_monolith_when_the_extracted_backend_is_down(make_proxy, backends) -> None:
    text = table_text({"monolith": backends["monolith"], "catalog": "http://127.0.0.1:1"})
    proxy = make_proxy(text)
    reply = proxy.get("/api/v1/catalog/products/")
    assert reply.status == 200 and reply.json()["backend"] == "monolith"
    assert reply.header("X-Strangler-Backend") == "monolith"
    assert reply.header("X-Strangler-Fallback") == "upstream_unreachable"
    assert fallbacks(proxy) == 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_get_falls_back_when_the_extracted_backend_answers_5xx(make_proxy, backends, status: int) -> None:
    backends["catalog"].respond = failing(status)
    proxy = make_proxy()
    reply = proxy.get("/api/v1/catalog/products/1/")
    assert reply.status == 200 and reply.json()["backend"] == "monolith"
    assert reply.header("X-Strangler-Fallback") == f"status_{status}"
    assert len(backends["catalog"].hits) == 1 and len(backends["monolith"].hits) == 1


def test_a_get_falls_back_when_the_extracted_backend_times_out(make_proxy, backends) -> None:
    backends["catalog"].respond = hang
    proxy = make_proxy(table_text(backends, backend_options="read_timeout = 0.2"))
    reply = proxy.get("/api/v1/catalog/products/")
    assert reply.status == 200 and reply.header("X-Strangler-Fallback") == "upstream_timeout"


def test_a_4xx_from_the_extracted_backend_is_an_answer_not_a_failure(make_proxy, backends) -> None:
    backends["catalog"].respond = failing(404)
    reply = make_proxy().get("/api/v1/catalog/products/999/")
    assert reply.status == 404 and reply.header("X-Strangler-Backend") == "catalog"
    assert backends["monolith"].hits == []


@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
def test_a_write_that_reached_the_backend_is_never_re_sent(make_proxy, backends, method: str) -> None:
    backends["catalog"].respond = failing(503)
    reply = make_proxy().request(method, "/api/v1/catalog/products/1/", body=b"{}")
    assert reply.status == 503 and reply.header("X-Strangler-Backend") == "catalog"
    assert len(backends["catalog"].hits) == 1 and backends["monolith"].hits == []


def test_a_write_that_timed_out_is_not_re_sent_either(make_proxy, backends) -> None:
    backends["catalog"].respond = hang
    proxy = make_proxy(table_text(backends, backend_options="read_timeout = 0.2"))
    reply = proxy.request("POST", "/api/v1/catalog/products/", body=b"{}")
    assert reply.status == 504 and backends["monolith"].hits == []


def test_a_write_on_a_route_not_marked_idempotent_never_falls_back(make_proxy, backends) -> None:
    text = table_text({"monolith": backends["monolith"], "catalog": "http://127.0.0.1:1"})
    reply = make_proxy(text).request("POST", "/api/v1/catalog/products/", body=b"{}")
    assert reply.status == 502 and backends["monolith"].hits == []


def test_a_put_on_an_idempotent_route_falls_back_after_a_5xx(make_proxy, backends) -> None:
    backends["catalog"].respond = failing(500)
    reply = make_proxy().request("PUT", "/api/v1/catalog/stock/7/", body=b'{"quantity": 3}')
    assert reply.status == 200 and reply.json()["backend"] == "monolith"
    assert backends["monolith"].hits[-1].body == b'{"quantity": 3}'


def test_a_post_on_an_idempotent_route_falls_back_only_if_it_never_reached_the_backend(make_proxy, backends) -> None:
    backends["catalog"].respond = failing(500)
    assert make_proxy().request("POST", "/api/v1/catalog/stock/7/", body=b"{}").status == 500
    assert backends["monolith"].hits == []
    text = table_text({"monolith": backends["monolith"], "catalog": "http://127.0.0.1:1"})
    reply = make_proxy(text).request("POST", "/api/v1/catalog/stock/7/", body=b"{}")
    assert reply.status == 200 and reply.header("X-Strangler-Fallback") == "upstream_unreachable"


def test_routes_on_the_monolith_have_no_fallback(make_proxy, backends) -> None:
    backends["monolith"].respond = failing(503)
    reply = make_proxy().get("/api/v1/orders/")
    assert reply.status == 503 and reply.header("X-Strangler-Fallback") is None


def test_the_circuit_opens_after_consecutive_failures_and_a_probe_closes_it(make_proxy, backends) -> None:
    backends["catalog"].respond = failing(503)
    options = "failure_threshold = 2\nreset_timeout = 0.3\nhealth_interval = 60"
    proxy = make_proxy(table_text(backends, backend_options=options))
    for _ in range(2):
        assert proxy.get("/api/v1/catalog/products/").header("X-Strangler-Fallback") == "status_503"
    assert len(backends["catalog"].hits) == 2
    reply = proxy.get("/api/v1/catalog/products/")
    assert reply.status == 200 and reply.header("X-Strangler-Fallback") == "backend_unavailable"
    assert len(backends["catalog"].hits) == 2  # open: not even tried
    metrics = proxy.get("/metrics").body.decode()
    assert f'strangler_circuit_state{{backend="catalog",instance="{backends["catalog"].url}"}} 2.0' in metrics
    backends["catalog"].respond = None  # healed

    def probed() -> bool:
        return proxy.get("/api/v1/catalog/products/").header("X-Strangler-Backend") == "catalog"

    wait_for(probed, timeout=10)
    assert len(backends["catalog"].hits) == 3
    metrics = proxy.get("/metrics").body.decode()
    assert f'strangler_circuit_state{{backend="catalog",instance="{backends["catalog"].url}"}} 0.0' in metrics


def test_requests_are_balanced_round_robin_and_unhealthy_instances_skipped(make_proxy, loop_thread, backends) -> None:
    second = FakeBackend("catalog-2")
    loop_thread.run(second.start())
    try:
        text = table_text(backends, backend_options="health_interval = 0.05").replace(
            f'urls = ["{backends["catalog"].url}"]', f'urls = ["{backends["catalog"].url}", "{second.url}"]')
        proxy = make_proxy(text)
        for _ in range(6):
            proxy.get("/api/v1/catalog/products/")
        assert len(backends["catalog"].hits) == 3 and len(second.hits) == 3
        second.healthy = False
        wait_for(lambda: not any(i.healthy for i in proxy.proxy.pool.instances if i.url == second.url), timeout=10)
        for _ in range(4):
            proxy.get("/api/v1/catalog/products/")
        assert len(second.hits) == 3 and len(backends["catalog"].hits) == 7
    finally:
        loop_thread.run(second.stop())
