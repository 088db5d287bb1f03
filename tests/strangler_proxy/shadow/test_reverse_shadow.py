"""The reverse shadow: a canary or extracted route's requests, answered by the extracted side, also go to the
monolith, and the comparison reads the other way round ("the monolith differs from extracted")."""
from __future__ import annotations

import json

import pytest

from strangler_proxy.mirror import MirroredRequest, MirroredResponse
from strangler_proxy.shadow.config import ShadowSettings
from strangler_proxy.shadow.report import route_reports
from strangler_proxy.shadow.report_text import detail_lines
from strangler_proxy.shadow.results import summarise
from tests.strangler_proxy.shadow.conftest import DETAIL, LIST, plant, products

REVERSE = "[routes.shadow]\nreverse = true\n[routes.gate]\nmin_compared = 5\n"


def extracted_answer(path: str = LIST) -> MirroredResponse:
    body = json.dumps(products(planted=True) if path == LIST else {"id": 1, "generated_at": "x"}).encode()
    return MirroredResponse(200, (("Content-Type", "application/json; charset=utf-8"),), body, elapsed=0.01,
                            backend="catalog")


def hand_over(proxy, loop_thread, *, method: str = "GET", path: str = LIST, mirror_to: str | None = "monolith",
              primary: MirroredResponse | None = None, times: int = 1) -> None:
    """Give the mirror exchanges as the forwarder does after the extracted side answered."""
    route = table_of(proxy).route("catalog-read")

    async def submit() -> None:
        for number in range(times):
            request = MirroredRequest(f"r-{number}", method, path, (("Accept", "application/json"),), None,
                                      mirror_to=mirror_to)
            proxy.mirror.submit(route, request, primary or extracted_answer(path))

    loop_thread.run(submit())
    proxy.drain()


def table_of(proxy):
    return proxy.running.proxy.holder.current.table


def test_an_exchange_the_extracted_side_served_is_mirrored_to_the_monolith_and_compared_the_other_way_round(
        shadow_proxy, backends, loop_thread) -> None:
    plant(backends, loop_thread)
    proxy = shadow_proxy(extra=REVERSE)
    hand_over(proxy, loop_thread, times=6)
    mirrored = [hit for hit in backends["monolith"].hits if hit.headers.get("X-Strangler-Shadow") == "1"]
    assert len(mirrored) == 12  # the mirrored request and its noise probe, both to the monolith
    assert backends["catalog"].hits == []  # the extracted side already answered: never asked again
    data = proxy.results.route_data("catalog-read")
    assert list(data.sources) == ["reverse"]
    summary = summarise(data)
    assert (summary.compared, summary.mismatched) == (6, 6)
    assert {f.field: f.label for f in summary.fields} == {"/results/*/price": "real", "/results/*/sku": "real",
                                                         "/generated_at": "noise"}
    assert summary.sources["reverse"].direction == "monolith differs from extracted"
    assert summary.latency["extracted"]["count"] == 6 and summary.latency["monolith"]["count"] == 6
    [sample, *_] = proxy.results.samples("catalog-read")
    assert sample.source == "reverse" and sample.sides == ("extracted", "monolith")
    assert '"sku"' not in sample.primary["body"] and '"sku"' in sample.candidate["body"]
    kinds = {d["normalised_path"]: d["kind"] for d in sample.differences}
    assert kinds["/results/*/sku"] == "extra_key"  # only the monolith, the candidate, has it
    [report] = route_reports(table_of(proxy), proxy.results, ShadowSettings(), routes=["catalog-read"], samples=5)
    text = "\n".join(detail_lines(report))
    assert "(reverse: monolith differs from extracted; request r-" in text
    assert "extracted 200, monolith 200" in text


@pytest.mark.parametrize("kwargs, counter", [
    ({"mirror_to": None}, "direction_unknown"),  # a forwarder that does not say which way: never compared blind
    ({"primary": MirroredResponse(200, (), b"{}", backend="monolith")}, "fallback"),  # the monolith answered
    ({"method": "POST"}, "unsafe_method"),  # the monolith is never sent a write, dry-run backend or not
])
def test_what_the_reverse_shadow_does_not_compare_is_counted(shadow_proxy, backends, loop_thread, kwargs,
                                                             counter) -> None:
    plant(backends, loop_thread)
    proxy = shadow_proxy(extra=REVERSE, backend_options="dry_run = true\n")
    hand_over(proxy, loop_thread, **kwargs)
    summary = summarise(proxy.results.route_data("catalog-read"))
    assert summary.compared == 0 and summary.skipped == {counter: 1}
    assert backends["monolith"].hits == [] and backends["catalog"].hits == []


def test_a_route_without_the_reverse_shadow_mirrors_the_usual_way(shadow_proxy, backends, loop_thread) -> None:
    plant(backends, loop_thread)
    proxy = shadow_proxy()
    hand_over(proxy, loop_thread, path=DETAIL, mirror_to="catalog",
              primary=MirroredResponse(200, (("Content-Type", "application/json"),), b'{"id": 1}', backend="monolith"))
    assert list(proxy.results.route_data("catalog-read").sources) == ["shadow"]
    assert len(backends["catalog"].hits) == 1


def test_through_the_proxy_a_canarys_planted_difference_is_found_in_reverse_and_counted_by_the_gate(
        shadow_proxy, backends, loop_thread) -> None:
    plant(backends, loop_thread)
    proxy = shadow_proxy(extra=REVERSE)
    flipped = proxy.admin("POST", "routes/catalog-read/flip", {"mode": "canary", "percent": 100, "reason": "canary"})
    assert flipped.status == 200, flipped.body
    for number in range(6):
        reply = proxy.get(LIST, {"X-Request-ID": f"rev-{number}"})
        assert reply.status == 200 and reply.header("X-Strangler-Backend") == "catalog"
        assert b'"sku"' not in reply.body  # the user got the extracted side's answer, planted difference and all
    proxy.drain()
    mirrored = {hit.headers.get("X-Request-ID") for hit in backends["monolith"].hits
                if hit.headers.get("X-Strangler-Shadow") == "1"}
    assert mirrored == {f"rev-{number}" for number in range(6)}
    summary = summarise(proxy.results.route_data("catalog-read"))
    assert list(summary.sources) == ["reverse"]
    assert (summary.sources["reverse"].compared, summary.sources["reverse"].mismatched) == (6, 6)
    assert {f.field: f.label for f in summary.fields} == {"/results/*/price": "real", "/results/*/sku": "real",
                                                         "/generated_at": "noise"}
    [sample, *_] = proxy.results.samples("catalog-read")
    assert sample.reverse and sample.request["request_id"].startswith("rev-")
    refused = proxy.admin("POST", "routes/catalog-read/flip", {"mode": "extracted", "reason": "cut over?"})
    assert refused.status == 422
    message = refused.json()["error"]["message"]
    assert "6 compared (needs 5), 6 mismatched" in message and "compared by source: reverse 6" in message
    detail = proxy.admin("GET", "compare/catalog-read?samples=5").json()
    assert [s["source"] for s in detail["sources"]] == ["reverse"]
    assert detail["samples"][0]["direction"] == "monolith differs from extracted"


def test_through_the_proxy_a_fallback_answer_is_not_compared_and_the_shadow_mode_still_mirrors_forward(
        shadow_proxy, backends, loop_thread) -> None:
    plant(backends, loop_thread)
    proxy = shadow_proxy(extra=REVERSE)
    assert proxy.get(DETAIL).header("X-Strangler-Backend") == "monolith"  # shadow mode: mirrored to the catalog
    proxy.drain()
    assert list(proxy.results.route_data("catalog-read").sources) == ["shadow"]
    proxy.admin("POST", "routes/catalog-read/flip", {"mode": "canary", "percent": 100, "reason": "canary"})
    loop_thread.run(backends["catalog"].stop())
    reply = proxy.get(DETAIL)
    assert reply.status == 200 and reply.header("X-Strangler-Fallback")
    proxy.drain()
    assert summarise(proxy.results.route_data("catalog-read")).skipped == {"fallback": 1}


def test_the_direction_and_the_answering_backend_reach_the_shadow_sidecar() -> None:
    from types import SimpleNamespace

    from strangler_proxy.shadow.handoff import FrameReader, exchanges_frame, exchanges_of

    request = MirroredRequest("r-1", "GET", LIST, (), None, mirror_to="monolith")
    route = SimpleNamespace(id="catalog-read")
    [message] = FrameReader().feed(exchanges_frame([(route, 1, request, extracted_answer())]))
    [(_, _, received, primary)] = exchanges_of(message)
    assert received.mirror_to == "monolith" and primary.backend == "catalog"
