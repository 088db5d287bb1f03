"""What the shadow costs on the request path: the time `ComparingMirror.submit` takes, per outcome.

    .venv/bin/python bench/shadow/submit_cost.py [--calls 50000]

`submit` is all the shadow does inside a user's request (after the answer is sent); the rest
runs in background tasks and a compare thread. Each outcome is timed over many calls, in
rounds, best round reported (the least disturbed by other jobs on a shared machine):
left out by the sample rate, dropped at the in-flight cap, refused fast because the target's
circuits are open, and handed to a new background task (task creation only).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path

from strangler_proxy.forwarding.circuit import CircuitBreaker
from strangler_proxy.forwarding.upstream import Instance
from strangler_proxy.metrics import ProxyMetrics
from strangler_proxy.mirror import MirroredRequest, MirroredResponse
from strangler_proxy.routing.table import parse_table
from strangler_proxy.shadow.comparing_mirror import ComparingMirror
from strangler_proxy.shadow.config import ShadowSettings
from strangler_proxy.shadow.results.memory import MemoryResults

ROOT = Path(__file__).resolve().parents[2]
TABLE = parse_table("""
[backends.monolith]
urls = ["http://127.0.0.1:9"]
[backends.catalog]
urls = ["http://127.0.0.1:9"]
[[routes]]
id = "r"
context = "c"
backend = "catalog"
paths = ["/x/"]
mode = "shadow"
""")
REQUEST = MirroredRequest("id", "GET", "/x/", (("Accept", "application/json"), ("X-Request-ID", "id")), b"")
PRIMARY = MirroredResponse(200, (("Content-Type", "application/json"),), b'{"id":1,"name":"Lamp"}', elapsed=0.001)


class Upstream:
    """No network: a catalog instance whose circuit the benchmark opens or closes."""

    def __init__(self) -> None:
        self.circuit = CircuitBreaker(failure_threshold=1, reset_timeout=3600)
        self.instances = [Instance("catalog", "http://127.0.0.1:9", self.circuit)]

    def backend_spec(self, name: str):
        return TABLE.backends.get(name)

    async def send(self, backend, request):  # pragma: no cover - never reached: tasks are cancelled
        await asyncio.sleep(3600)


async def per_call_us(mirror: ComparingMirror, calls: int, rounds: int = 5) -> float:
    route = TABLE.route("r")
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(calls):
            mirror.submit(route, REQUEST, PRIMARY)
        best = min(best, (time.perf_counter() - started) / calls)
        for task in list(mirror._tasks):
            task.cancel()
        await asyncio.sleep(0)
    return round(best * 1e6, 2)


async def main(calls: int) -> dict[str, float]:
    results = {}
    for name, settings, circuit_open in (
            ("left out by the sample rate (0 %)", ShadowSettings(sample_percent=0), False),
            ("dropped at the in-flight cap", ShadowSettings(concurrency=1), False),
            ("target down (circuits open)", ShadowSettings(), True),
            ("mirrored: a background task started", ShadowSettings(concurrency=10**9, noise_percent=0), False)):
        upstream = Upstream()
        if circuit_open:
            upstream.circuit.record_failure()
        mirror = ComparingMirror(upstream, ProxyMetrics(multiprocess=False), MemoryResults(), settings)
        if name.startswith("dropped"):
            mirror._inflight.try_acquire("r")  # the one slot is taken: every call is dropped
        results[name] = await per_call_us(mirror, calls)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=50_000)
    arguments = parser.parse_args()
    figures = asyncio.run(main(arguments.calls))
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "shadow-submit-cost.json").write_text(json.dumps(figures, indent=2))
    print("| outcome | µs per submit (best of 5 rounds) |")
    print("|---|---:|")
    for name, value in figures.items():
        print(f"| {name} | {value:.2f} |")
