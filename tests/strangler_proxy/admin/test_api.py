"""The admin API: bearer auth, listing, flips (validated and audited), history, kill switch, stats."""
from __future__ import annotations

import pytest

from strangler_proxy.admin.auth import bearer_token_matches
from tests.helpers import wait_for
from tests.strangler_proxy.conftest import ADMIN_TOKEN


@pytest.mark.parametrize("token", [None, "wrong-token", ADMIN_TOKEN[:-1]])
def test_the_admin_api_answers_401_without_the_right_bearer_token(make_proxy, token) -> None:
    reply = make_proxy().admin("GET", "routes", token=token)
    assert reply.status == 401
    assert reply.json()["error"]["code"] == "unauthorized"
    assert reply.header("WWW-Authenticate").startswith("Bearer")


def test_a_token_in_another_scheme_is_refused(make_proxy) -> None:
    reply = make_proxy().request("GET", "/_strangler/api/routes", {"Authorization": f"Basic {ADMIN_TOKEN}"})
    assert reply.status == 401


def test_without_a_configured_token_the_admin_api_is_closed(make_proxy) -> None:
    reply = make_proxy(admin_token=None).admin("GET", "routes", token="anything")
    assert reply.status == 401 and "STRANGLER_ADMIN_TOKEN is not set" in reply.json()["error"]["message"]


def test_the_token_comparison_needs_an_exact_match() -> None:
    assert bearer_token_matches("Bearer s3cret", "s3cret")
    assert bearer_token_matches("bearer s3cret", "s3cret")
    for header in (None, "", "Bearer", "Bearer s3cre", "Bearer s3cret2", "Token s3cret"):
        assert not bearer_token_matches(header, "s3cret")
    assert not bearer_token_matches("Bearer ", "")
    assert not bearer_token_matches("Bearer x", None)


def test_routes_lists_every_route_with_its_mode_and_the_version(make_proxy) -> None:
    data = make_proxy(catalog_mode="shadow").admin("GET", "routes").json()
    assert data["version"] == 0 and data["kill_switch"] is False
    by_id = {row["id"]: row for row in data["routes"]}
    assert by_id["catalog-read"]["mode"] == "shadow" and by_id["catalog-read"]["backend"] == "catalog"
    assert by_id["orders"]["backend"] is None and by_id["orders"]["methods"] == ["*"]


def test_a_flip_is_applied_at_once_and_audited(make_proxy) -> None:
    proxy = make_proxy(catalog_mode="monolith")
    reply = proxy.admin("POST", "routes/catalog-read/flip",
                        {"mode": "canary", "percent": "12.5", "reason": "first users", "actor": "alice"})
    assert reply.status == 200
    entry = reply.json()["entry"]
    assert entry["version"] == 1 and entry["actor"] == "api:alice" and entry["reason"] == "first users"
    assert entry["before"] == {"mode": "monolith", "percent": "0.00"}
    assert entry["after"] == {"mode": "canary", "percent": "12.50"}
    assert proxy.get("/api/v1/catalog/products/").header("X-Strangler-Table-Version") == "1"
    assert proxy.admin("GET", "routes/catalog-read").json()["mode"] == "canary"


@pytest.mark.parametrize(("route", "data", "status", "code"), [
    ("nope", {"mode": "extracted", "reason": "r"}, 404, "unknown_route"),
    ("catalog-read", {"mode": "extract", "reason": "r"}, 422, "flip_refused"),
    ("catalog-read", {"mode": "canary", "reason": "r"}, 422, "flip_refused"),
    ("catalog-read", {"mode": "canary", "percent": 0.001, "reason": "r"}, 422, "flip_refused"),
    ("catalog-read", {"mode": "extracted", "percent": 5, "reason": "r"}, 422, "flip_refused"),
    ("orders", {"mode": "extracted", "reason": "r"}, 422, "flip_refused"),
    ("catalog-read", {"mode": "extracted"}, 400, "invalid_request"),
    ("catalog-read", {"mode": "extracted", "reason": "  "}, 400, "invalid_request"),
])
def test_a_bad_flip_is_refused_with_a_clear_json_error(make_proxy, route, data, status, code) -> None:
    proxy = make_proxy()
    reply = proxy.admin("POST", f"routes/{route}/flip", data)
    assert reply.status == status and reply.json()["error"]["code"] == code
    assert proxy.admin("GET", "history").json()["entries"] == []


def test_a_body_that_is_not_a_json_object_is_refused(make_proxy) -> None:
    proxy = make_proxy()
    for body in (b"not json", b"[1, 2]"):
        reply = proxy.request("POST", "/_strangler/api/routes/catalog-read/flip",
                              {"Authorization": f"Bearer {ADMIN_TOKEN}"}, body)
        assert reply.status == 400 and reply.json()["error"]["code"] == "invalid_request"


def test_history_is_newest_first_and_can_be_filtered(make_proxy) -> None:
    proxy = make_proxy(catalog_mode="monolith")
    proxy.admin("POST", "routes/catalog-read/flip", {"mode": "shadow", "reason": "one"})
    proxy.admin("POST", "routes/catalog-write/flip", {"mode": "shadow", "reason": "two"})
    proxy.admin("POST", "kill-switch", {"on": True, "reason": "three"})
    entries = proxy.admin("GET", "history").json()["entries"]
    assert [e["reason"] for e in entries] == ["three", "two", "one"]
    assert [e["reason"] for e in proxy.admin("GET", "history?route=catalog-write").json()["entries"]] == ["two"]
    assert [e["subject"] for e in proxy.admin("GET", "history?route=kill-switch").json()["entries"]] == ["kill-switch"]
    assert len(proxy.admin("GET", "history?limit=1").json()["entries"]) == 1
    assert proxy.admin("GET", "history?limit=0").status == 400
    assert proxy.admin("GET", "history?limit=x").status == 400


def test_the_kill_switch_can_be_read_and_set(make_proxy) -> None:
    proxy = make_proxy(catalog_mode="extracted")
    assert proxy.admin("GET", "kill-switch").json() == {"on": False, "version": 0}
    reply = proxy.admin("POST", "kill-switch", {"on": True, "reason": "incident 42"})
    assert reply.status == 200 and reply.json()["entry"]["after"] == {"on": True}
    assert proxy.get("/api/v1/catalog/products/").header("X-Strangler-Backend") == "monolith"
    assert proxy.admin("POST", "kill-switch", {"on": "yes", "reason": "x"}).status == 400
    assert proxy.admin("POST", "kill-switch", {"on": False}).status == 400


def test_stats_count_requests_per_route_backend_and_status(make_proxy, backends) -> None:
    proxy = make_proxy()
    for _ in range(3):
        proxy.get("/api/v1/catalog/products/")
    proxy.get("/api/schema/")

    def counted() -> dict | None:
        # Requests are counted as their handler returns, just after the last byte went out.
        routes = proxy.admin("GET", "stats").json()["routes"]
        return routes if routes.get("catalog-read", {}).get("requests") == 3 and "default" in routes else None

    stats = wait_for(counted, timeout=10)
    assert stats["catalog-read"]["requests"] == 3
    assert stats["catalog-read"]["by_backend"] == {"catalog": 3}
    assert stats["catalog-read"]["by_status"] == {"200": 3}
    assert stats["catalog-read"]["fallbacks"] == 0
    assert stats["catalog-read"]["latency_mean_ms"] > 0
    assert stats["default"]["requests"] == 1


def test_an_override_token_minted_by_the_api_works(make_proxy) -> None:
    proxy = make_proxy(catalog_mode="monolith")
    reply = proxy.admin("POST", "overrides", {"target": "extracted", "ttl_seconds": 60, "routes": ["catalog-read"]})
    token = reply.json()["token"]
    served = proxy.get("/api/v1/catalog/products/", {"X-Strangler-Override": token})
    assert served.header("X-Strangler-Backend") == "catalog"
    assert proxy.admin("POST", "overrides", {"target": "sideways"}).status == 400


def test_unknown_endpoints_and_wrong_methods_are_json_errors(make_proxy) -> None:
    proxy = make_proxy()
    assert proxy.admin("GET", "nothing-here").status == 404
    reply = proxy.admin("DELETE", "routes")
    assert reply.status == 405 and reply.json()["error"]["code"] == "method_not_allowed"


def test_status_reports_the_applied_table(make_proxy) -> None:
    status = make_proxy().admin("GET", "status").json()
    assert status["store"] == "memory" and status["applied_version"] == 0 and status["routes"] == 4
    assert status["last_refused_reload"] is None
