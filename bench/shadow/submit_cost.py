"""What the shadow costs on the request path: the time `submit` takes, per outcome and mirror.

    .venv/bin/python bench/shadow/submit_cost.py [--calls 50000] [--rate 300] [--seconds 5]

`submit` is all the shadow does inside a user's request (after the answer is sent).

In-process mirror (`ComparingMirror`, STRANGLER_SHADOW_SIDECAR=0): each outcome timed over
many calls, in rounds, best round reported (the least disturbed by other jobs on a shared
machine): left out by the sample rate, dropped at the in-flight cap, refused fast because
the target's circuits are open, and handed to a new background task (task creation only;
the exchange itself then runs on the same event loop).

Sidecar mirror (`SidecarMirror`, the default with shared results): everything the worker
does for a mirrored exchange (admit, pickle, queue, the batched write to a real sidecar-like
reader process) measured as the worker's CPU time while it submits at a steady `--rate`
against the same loop idling at that rate, per submit: paced, because waking an idle
reader costs the writer more than a tight loop shows.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import uvloop

from strangler_proxy.config import ProxySettings
from strangler_proxy.forwarding.circuit import CircuitBreaker
from strangler_proxy.forwarding.upstream import Instance, UpstreamPool
from strangler_proxy.metrics import ProxyMetrics
from strangler_proxy.mirror import MirroredRequest, MirroredResponse
from strangler_proxy.routing.table import parse_table
from strangler_proxy.shadow.comparing_mirror import ComparingMirror
from strangler_proxy.shadow.config import ShadowSettings
from strangler_proxy.shadow.results.memory import MemoryResults
from strangler_proxy.shadow.sidecar_mirror import SidecarMirror

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
# A request and an answer as the proxy hands them over for the benchmark's routes.
REQUEST = MirroredRequest("8f3e2c1d9a7b4e6f", "GET", "/x/", (
    ("Host", "127.0.0.1:8001"), ("User-Agent", "Python/3.11 aiohttp/3.9.5"), ("Accept", "*/*"),
    ("Accept-Encoding", "gzip, deflate"), ("X-Forwarded-For", "127.0.0.1"), ("X-Forwarded-Proto", "http"),
    ("Via", "1.1 strangler"), ("X-Request-ID", "8f3e2c1d9a7b4e6f")), b"")
PRIMARY = MirroredResponse(200, (("Content-Type", "application/json"), ("Content-Length", "48")),
                           b'{"id":1,"name":"Lamp","price":"19.90","stock":7}', elapsed=0.001)
# Reads and discards what the worker writes, as a sidecar's socket does.
READER = "import socket, sys\nsock = socket.socket(fileno=int(sys.argv[1]))\nwhile sock.recv(1 << 20):\n    pass\n"


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


async def in_process(calls: int) -> dict[str, float]:
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


async def paced_cpu_us(submit, rate: float, seconds: float) -> float:
    """Return the process CPU (µs) per tick of a loop ticking `rate` times a second and calling `submit`."""
    loop = asyncio.get_running_loop()
    ticks = int(rate * seconds)
    start = loop.time() + 0.05
    cpu = time.process_time()
    for n in range(ticks):
        delay = start + n / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if submit is not None:
            submit()
    await asyncio.sleep(0.1)  # the last batch is written
    return (time.process_time() - cpu) * 1e6 / ticks


async def sidecar(rate: float, seconds: float, rounds: int = 3) -> dict[str, float]:
    from strangler_proxy.shadow import sidecar_mirror

    route = TABLE.route("r")
    mirror = SidecarMirror(UpstreamPool(TABLE.backends), ProxyMetrics(multiprocess=False), "sqlite", ProxySettings(),
                           ShadowSettings())
    # The sidecar's end is read by a plain process: what the worker pays does not depend on what
    # the sidecar then does.
    ours, theirs = socket.socketpair()
    reader = subprocess.Popen([sys.executable, "-c", READER, str(theirs.fileno())], pass_fds=(theirs.fileno(),))
    theirs.close()
    link = sidecar_mirror._Link(mirror)
    link.transport, _ = await asyncio.get_running_loop().create_unix_connection(lambda: link, sock=ours)
    mirror._loop = asyncio.get_running_loop()
    mirror._link, mirror._state = link, sidecar_mirror._UP
    idle, busy = [], []
    for _ in range(rounds):
        idle.append(await paced_cpu_us(None, rate, seconds))
        busy.append(await paced_cpu_us(lambda: mirror.submit(route, REQUEST, PRIMARY), rate, seconds))
    link.transport.close()
    await asyncio.to_thread(reader.wait, 10)
    return {f"mirrored: handed to the sidecar, worker CPU per submit at {rate:g}/s (median of {rounds} rounds)":
            round(sorted(b - i for b, i in zip(busy, idle))[rounds // 2], 2)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--seconds", type=float, default=5)
    arguments = parser.parse_args()
    figures = {"in-process": uvloop.run(in_process(arguments.calls)),
               "sidecar": uvloop.run(sidecar(arguments.rate, arguments.seconds))}
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "shadow-submit-cost.json").write_text(json.dumps(figures, indent=2))
    print("| mirror | outcome | µs per submit |")
    print("|---|---|---:|")
    for mirror, outcomes in figures.items():
        for name, value in outcomes.items():
            print(f"| {mirror} | {name} | {value:.2f} |")
