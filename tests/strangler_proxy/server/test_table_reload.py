"""Route-file edits are applied live; an invalid file is refused whole and the last good table kept."""
from __future__ import annotations

from pathlib import Path

from tests.helpers import wait_for
from tests.strangler_proxy.conftest import table_text

PATH = "/api/v1/catalog/products/"


def start(make_proxy, backends, tmp_path: Path, mode: str = "monolith"):
    routes = tmp_path / "strangler.toml"
    routes.write_text(table_text(backends, catalog_mode=mode))
    return routes, make_proxy(routes_file=routes, routes_poll_seconds=0.05)


def test_a_valid_edit_of_the_route_file_is_applied_without_a_restart(make_proxy, backends, tmp_path) -> None:
    routes, proxy = start(make_proxy, backends, tmp_path)
    assert proxy.get(PATH).header("X-Strangler-Backend") == "monolith"
    routes.write_text(table_text(backends, catalog_mode="extracted"))
    wait_for(lambda: proxy.get(PATH).header("X-Strangler-Backend") == "catalog")


def test_an_invalid_route_file_is_refused_whole_and_the_old_table_kept(make_proxy, backends, tmp_path) -> None:
    routes, proxy = start(make_proxy, backends, tmp_path, mode="extracted")
    # One good change (orders to catalog) next to one bad one: neither may be applied.
    bad = table_text(backends, catalog_mode="extract").replace(
        'id = "orders"\ncontext = "orders"', 'id = "orders"\ncontext = "orders"\nbackend = "catalog"\nmode = "extracted"')
    routes.write_text(bad)
    wait_for(lambda: proxy.proxy.holder.last_reload_error)
    assert any("field 'mode'" in p and "'extract'" in p for p in proxy.proxy.holder.last_reload_error)
    assert proxy.get(PATH).header("X-Strangler-Backend") == "catalog"
    assert proxy.get("/api/v1/orders/").header("X-Strangler-Backend") == "monolith"
    status = proxy.admin("GET", "status").json()
    assert status["last_refused_reload"] == proxy.proxy.holder.last_reload_error
    reply = proxy.admin("POST", "reload")
    assert reply.status == 422 and reply.json()["error"]["code"] == "route_file_refused"
    assert "strangler.toml: route 'catalog-read': field 'mode'" in " ".join(reply.json()["error"]["details"]["problems"])
    metrics = proxy.get("/metrics").body.decode()
    assert 'strangler_table_reloads_total{result="refused"}' in metrics


def test_a_half_written_file_is_refused_too(make_proxy, backends, tmp_path) -> None:
    routes, proxy = start(make_proxy, backends, tmp_path, mode="extracted")
    text = table_text(backends, catalog_mode="monolith")
    routes.write_text(text[: len(text) // 2] + "\n[[routes\n")
    wait_for(lambda: proxy.proxy.holder.last_reload_error)
    assert proxy.get(PATH).header("X-Strangler-Backend") == "catalog"


def test_fixing_the_file_applies_it_and_clears_the_refusal(make_proxy, backends, tmp_path) -> None:
    routes, proxy = start(make_proxy, backends, tmp_path, mode="extracted")
    routes.write_text("not toml at all [")
    wait_for(lambda: proxy.proxy.holder.last_reload_error)
    routes.write_text(table_text(backends, catalog_mode="monolith"))
    wait_for(lambda: proxy.get(PATH).header("X-Strangler-Backend") == "monolith")
    assert proxy.proxy.holder.last_reload_error is None


def test_a_deleted_route_file_leaves_the_table_in_place(make_proxy, backends, tmp_path) -> None:
    routes, proxy = start(make_proxy, backends, tmp_path, mode="extracted")
    routes.unlink()
    reply = proxy.admin("POST", "reload")
    assert reply.status == 422 and "cannot read the route file" in reply.json()["error"]["details"]["problems"][0]
    assert proxy.get(PATH).header("X-Strangler-Backend") == "catalog"
