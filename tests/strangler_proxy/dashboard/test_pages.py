"""The dashboard over HTTP on a real proxy: the page without a token, the data only with it."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import strangler_proxy.dashboard as dashboard
from strangler_proxy.config import ProxySettings
from strangler_proxy.errors import ConfigError
from tests.helpers import wait_for
from tests.strangler_proxy.conftest import ADMIN_TOKEN, ROOT, RunningProxy, run_cli

PRODUCTS = "/api/v1/catalog/products/"
PACKAGE = Path(dashboard.__file__).parent


def data(proxy: RunningProxy, path: str, token: str | None = ADMIN_TOKEN, method: str = "GET"):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return proxy.request(method, f"/_strangler/dashboard/api/{path}", headers)


def test_the_page_is_served_without_a_token_and_holds_no_data(make_proxy):
    proxy = make_proxy()
    reply = proxy.get("/_strangler/")
    assert reply.status == 200
    assert reply.header("Content-Type").startswith("text/html")
    assert "script-src 'self'" in reply.header("Content-Security-Policy")
    assert "frame-ancestors 'none'" in reply.header("Content-Security-Policy")
    assert reply.header("X-Frame-Options") == "DENY"
    assert reply.header("Referrer-Policy") == "no-referrer"
    assert b"catalog-read" not in reply.body and b"Admin token" in reply.body and b"Sign in" in reply.body


def test_the_page_and_its_assets_load_nothing_from_another_origin():
    page = (PACKAGE / "index.html").read_text()
    for url in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert not re.match(r"^(?:[a-z]+:)?//", url), url
    script = (PACKAGE / "dashboard.js").read_text()
    assert re.findall(r"https?://[^\s\"'`]+", script) == ["http://www.w3.org/2000/svg"]
    assert "innerHTML" not in script and "eval(" not in script
    assert "url(" not in (PACKAGE / "dashboard.css").read_text()


def test_the_assets_are_served_with_their_types(make_proxy):
    proxy = make_proxy()
    script = proxy.get("/_strangler/dashboard/dashboard.js")
    assert script.status == 200 and script.header("Content-Type").startswith("application/javascript")
    style = proxy.get("/_strangler/dashboard/dashboard.css")
    assert style.status == 200 and style.header("Content-Type").startswith("text/css")


def test_the_prefix_without_its_slash_redirects_to_the_page(make_proxy):
    reply = make_proxy().get("/_strangler")
    assert reply.status == 308 and reply.header("Location") == "/_strangler/"


@pytest.mark.parametrize("path", ["overview", "series"])
def test_every_data_endpoint_needs_the_admin_token(make_proxy, path):
    proxy = make_proxy()
    for token in (None, "wrong-token"):
        reply = data(proxy, path, token)
        assert reply.status == 401
        assert reply.json()["error"]["code"] == "unauthorized"
    # A token in the URL is never accepted.
    assert proxy.get(f"/_strangler/dashboard/api/{path}?token={ADMIN_TOKEN}").status == 401


def test_without_an_admin_token_configured_the_data_stays_closed(make_proxy):
    proxy = make_proxy(admin_token=None)
    reply = data(proxy, "overview", "anything")
    assert reply.status == 401
    assert "STRANGLER_ADMIN_TOKEN is not set" in reply.json()["error"]["message"]
    assert proxy.get("/_strangler/").status == 200


def test_the_overview_shows_each_route_with_its_mode_and_live_figures(make_proxy):
    proxy = make_proxy()
    for _ in range(3):
        assert proxy.get(PRODUCTS).status == 200
    proxy.get("/api/v1/orders/1/")
    proxy.get("/somewhere/else/")
    data(proxy, "overview")  # the dashboard's own requests are not traffic
    overview = data(proxy, "overview").json()
    routes = {route["id"]: route for route in overview["routes"]}
    assert routes["catalog-read"]["mode"] == "extracted"
    assert routes["catalog-read"]["backend"] == "catalog"
    live = routes["catalog-read"]["live"]
    assert live["requests"] == 3 and live["by_backend"] == {"catalog": 3}
    assert live["error_rate"] == 0 and live["p50_ms"] is not None
    assert routes["orders"]["live"]["by_backend"] == {"monolith": 1}
    assert routes["catalog-write"]["live"] is None
    assert {r["id"] for r in overview["other_routes"]} == {"default"}
    assert overview["totals"] == {"requests": 5, "errors": 0, "fallbacks": 0}
    backends = {b["name"]: b for b in overview["backends"]}
    assert backends["catalog"]["live"]["requests"] == 3
    [instance] = backends["catalog"]["instances"]
    assert instance["url"] == proxy.backends["catalog"].url and instance["circuit"] == "closed"
    assert overview["kill_switch"] is False and overview["version"] == 0


def test_a_fallback_and_a_5xx_show_on_the_route_and_the_backend(make_proxy):
    proxy = make_proxy()
    catalog = proxy.backends["catalog"]

    async def fail(request, body):
        from aiohttp import web

        return web.json_response({"error": "boom"}, status=500)

    catalog.respond = fail
    assert proxy.get(PRODUCTS).header("X-Strangler-Fallback") == "status_500"
    proxy.request("POST", PRODUCTS, {"Content-Type": "application/json"}, b"{}")  # a write is not re-sent
    overview = data(proxy, "overview").json()
    read = next(r for r in overview["routes"] if r["id"] == "catalog-read")
    write = next(r for r in overview["routes"] if r["id"] == "catalog-write")
    assert read["live"]["fallbacks"] == 1 and read["live"]["by_backend"] == {"monolith": 1}
    assert write["live"]["errors"] == 1 and write["live"]["error_rate"] == 1.0
    catalog_backend = next(b for b in overview["backends"] if b["name"] == "catalog")
    assert catalog_backend["live"]["fallbacks"] == 1


def test_with_the_route_store_down_the_overview_shows_what_the_worker_serves(make_proxy):
    from strangler_proxy.errors import StoreUnavailable
    from strangler_proxy.store.memory import MemoryStore

    class DownStore(MemoryStore):
        def snapshot(self):
            raise StoreUnavailable("route store down for the test")

    overview = data(make_proxy(store=DownStore()), "overview").json()
    assert overview["store_problem"] == "route store down for the test"
    assert {r["id"]: r["mode"] for r in overview["routes"]}["catalog-read"] == "extracted"


def test_a_flip_through_the_admin_api_shows_on_the_next_overview(make_proxy):
    proxy = make_proxy(catalog_mode="monolith")
    flip = proxy.admin("POST", "routes/catalog-read/flip", {"mode": "canary", "percent": 25, "reason": "try"})
    assert flip.status == 200
    overview = data(proxy, "overview").json()
    read = next(r for r in overview["routes"] if r["id"] == "catalog-read")
    assert (read["mode"], read["percent"], read["flipped"]) == ("canary", "25.00", True)
    assert overview["version"] == 1


def test_the_background_sampler_fills_the_chart_arrays(make_proxy):
    proxy = make_proxy(dashboard_sample_seconds=1)
    for _ in range(4):
        proxy.get(PRODUCTS)
    proxy.get("/api/v1/orders/")

    def sampled() -> dict | None:
        series = data(proxy, "series?minutes=3").json()
        done = sum(series["backends"].get("catalog", {}).get("requests", [])) == 4
        return series if done else None

    # A sample appears once its interval has ended and the worker has written it.
    series = wait_for(sampled, timeout=30, interval=0.2)
    assert series["sampling"] is True and series["step_seconds"] == 1 and len(series["buckets"]) == 180
    assert sum(series["backends"]["monolith"]["requests"]) == 1
    assert sum(series["routes"]["catalog-read"]["requests"]["catalog"]) == 4
    assert series["recent"]["routes"]["catalog-read"]["by_backend"] == {"catalog": 4}
    assert "_strangler" not in series["routes"]
    assert series["shadow"] is None


@pytest.mark.parametrize("minutes", ["0", "abc", "100000", "-5"])
def test_a_bad_window_is_a_clear_400(make_proxy, minutes):
    reply = data(make_proxy(), f"series?minutes={minutes}")
    assert reply.status == 400
    error = reply.json()["error"]
    assert error["code"] == "invalid_request" and "minutes" in error["message"]


def test_with_sampling_off_the_series_says_so(make_proxy):
    proxy = make_proxy(dashboard_sample_seconds=0)
    assert proxy.proxy.dashboard.sampler is None
    assert data(proxy, "series").json() == {"sampling": False, "sample_seconds": 0}


def test_a_wrong_method_is_a_json_405(make_proxy):
    proxy = make_proxy()
    reply = data(proxy, "overview", method="POST")
    assert reply.status == 405 and reply.json()["error"]["details"] == {"allowed": ["GET"]}
    assert proxy.request("DELETE", "/_strangler/").status == 405


@pytest.mark.parametrize("path", ["/_strangler/dashboard/", "/_strangler/dashboard/api/nope",
                                  "/_strangler/dashboard/index.html", "/_strangler/dashboard/../api/routes",
                                  "/_strangler/elsewhere"])
def test_unknown_reserved_paths_are_json_errors(make_proxy, path):
    reply = make_proxy().get(path)
    assert reply.status in (400, 404)
    assert reply.json()["error"]["code"] in ("not_found", "bad_path")


def test_the_public_surface_is_pinned():
    assert dashboard.__all__ == ["Dashboard"]
    from strangler_proxy.dashboard import store, web

    assert sorted(store.__all__) == ["MemorySamples", "SampleRow", "SampleStore", "open_sample_store"]
    assert web.__all__ == ["PAGE_PATH", "DashboardPages"]


def test_the_sampling_settings_come_from_the_environment():
    settings = ProxySettings.from_env({"STRANGLER_DASHBOARD_SAMPLE_SECONDS": "5",
                                       "STRANGLER_DASHBOARD_RETENTION_HOURS": "2.5"})
    assert (settings.dashboard_sample_seconds, settings.dashboard_retention_hours) == (5, 2.5)
    assert ProxySettings.from_env({}).dashboard_sample_seconds == 10
    for name, bad in (("STRANGLER_DASHBOARD_SAMPLE_SECONDS", "0.5"), ("STRANGLER_DASHBOARD_SAMPLE_SECONDS", "-1"),
                      ("STRANGLER_DASHBOARD_RETENTION_HOURS", "0")):
        with pytest.raises(ConfigError, match=name):
            ProxySettings.from_env({name: bad})


def test_the_proxy_command_refuses_a_bad_sampling_interval_in_one_line(tmp_path: Path):
    env = {**os.environ, "STRANGLER_DASHBOARD_SAMPLE_SECONDS": "often",
           "STRANGLER_ROUTES": str(ROOT / "strangler.toml"), "STRANGLER_STORE": str(tmp_path / "r.sqlite3")}
    result = run_cli(env, "proxy", "--port", "0", check=False)
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert "STRANGLER_DASHBOARD_SAMPLE_SECONDS" in result.stderr and "Traceback" not in result.stderr
