"""`strangler proxy --workers 2`: the overview and the charts count every worker's requests, on SQLite and Redis."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import wait_for
from tests.strangler_proxy.conftest import ADMIN_TOKEN, ProxyProcess, table_text

PRODUCTS = "/api/v1/catalog/products/"
REQUESTS = 40


def dashboard_data(proxy: ProxyProcess, path: str) -> dict:
    reply = proxy.request("GET", f"/_strangler/dashboard/api/{path}", {"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert reply.status == 200, reply.body
    return json.loads(reply.body)


def served_by(proxy: ProxyProcess) -> set[int]:
    """Ask the workers their pid until both have answered (each request is a new connection)."""
    pids: set[int] = set()

    def both() -> bool:
        pids.add(dashboard_data(proxy, "overview")["pid"])
        return len(pids) == 2

    wait_for(both, timeout=30, interval=0.01)
    return pids


@pytest.mark.parametrize("store", ["sqlite", "redis"])
def test_every_worker_counts_in_the_overview_and_the_charts(proxy_process, backends, tmp_path: Path, store,
                                                            request):
    extra = {"STRANGLER_DASHBOARD_SAMPLE_SECONDS": "1"}
    if store == "redis":
        extra["STRANGLER_STORE"] = request.getfixturevalue("redis_url")
    proxy = proxy_process(table_text(backends), workers=2, extra_env=extra)
    served_by(proxy)
    for _ in range(REQUESTS):
        assert proxy.request("GET", PRODUCTS).header("X-Strangler-Backend") == "catalog"
    assert len(backends["catalog"].hits) == REQUESTS
    # Whichever worker answers, the live figures add up both workers'.
    for _ in range(4):
        overview = dashboard_data(proxy, "overview")
        read = next(r for r in overview["routes"] if r["id"] == "catalog-read")
        assert read["live"]["requests"] == REQUESTS and overview["multiprocess"] is True

    def charted() -> bool:
        series = dashboard_data(proxy, "series?minutes=3")
        return sum(series["backends"].get("catalog", {}).get("requests", [])) == REQUESTS

    wait_for(charted, timeout=30, interval=0.2)
    if store == "sqlite":
        assert (tmp_path / "routes.samples.sqlite3").exists()
