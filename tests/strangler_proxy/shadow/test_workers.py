"""Results are shared by every worker process: `strangler proxy --workers 2`, then `strangler compare`."""
from __future__ import annotations

import json

from tests.helpers import wait_for
from tests.strangler_proxy.conftest import run_cli
from tests.strangler_proxy.shadow.conftest import LIST, SHADOW_ROUTES, plant

REQUESTS = 24


def test_every_workers_comparisons_reach_the_one_results_store(proxy_process, backends, loop_thread) -> None:
    planted = plant(backends, loop_thread)
    parts = [f'[backends.{name}]\nurls = ["{b.url}"]\nhealth_path = "/healthz"\n' for name, b in backends.items()]
    proxy = proxy_process("\n".join(parts) + SHADOW_ROUTES.replace("{extra}", ""), workers=2,
                          extra_env={"STRANGLER_SHADOW_FLUSH_SECONDS": "0.1", "STRANGLER_SHADOW_NOISE_PERCENT": "100"})
    for number in range(REQUESTS):  # a new connection each: the kernel spreads them over the workers
        reply = proxy.request("GET", LIST, {"X-Request-ID": f"w-{number}"})
        assert reply.body == planted.monolith_bodies[f"w-{number}"]

    def compared() -> dict | None:
        data = json.loads(run_cli(proxy.env, "compare", "--json", "--route", "catalog-read").stdout)
        route = data["routes"][0]
        return route if route["compared"] == REQUESTS else None

    route = wait_for(compared, timeout=30)
    assert route["mismatched"] == REQUESTS and route["noise_probes"] == REQUESTS
    assert {f["field"]: f["label"] for f in route["fields"]} == {
        "/results/*/price": "real", "/results/*/sku": "real", "/generated_at": "noise"}
    assert len({seen.headers.get("X-Request-ID") for seen in backends["catalog"].hits}) == REQUESTS
