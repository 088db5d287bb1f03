"""How long a flip takes to reach every worker: 4 workers, the SQLite store and Redis.

    .venv/bin/python bench/proxy/flip_latency.py [--flips 20]

The flip is written to the store exactly as `strangler flip` does; each worker logs
"applied route table version N" with a timestamp when it serves the new table. The latency
of a flip is the last worker's timestamp minus the moment before the store write.
Redis comes from REDIS_URL, else a throwaway redis-server (tests/servers.py).
Writes bench/results/proxy-flip-latency.json.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import PYTHON, RESULTS, Processes, free_port, machine, routes_file, strangler, wait_port

WORKERS = 4


def applied_times(log: Path, version: int) -> dict[int, float]:
    """Return, per worker pid, when it logged that it applied `version`."""
    found = {}
    needle = f"applied route table version {version} "
    for line in log.read_text(errors="replace").splitlines():
        if needle in line:
            record = json.loads(line)
            found[record["pid"]] = record["ts"]
    return found


def measure(store_env: dict[str, str], flips: int, label: str) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from strangler_proxy.config import ProxySettings
    from strangler_proxy.control import route_flip
    from strangler_proxy.routing.table import load_table
    from strangler_proxy.store import open_store

    upstream, port = free_port(), free_port()
    routes = routes_file(upstream)
    log = Path(tempfile.mkdtemp(prefix="bench-flip-")) / "proxy.log"
    env = {"STRANGLER_ROUTES": str(routes), "STRANGLER_ACCESS_LOG": "0", "REDIS_URL": "", **store_env}
    with Processes() as procs:
        procs.start([PYTHON, "bench/proxy/upstream.py", str(upstream)])
        procs.start(strangler("proxy", "--port", str(port), "--workers", str(WORKERS)), env=env, log=log)
        wait_port(port)
        deadline = time.monotonic() + 60
        while log.read_text().count("listening on") < WORKERS:
            if time.monotonic() > deadline:
                raise RuntimeError(f"workers did not start: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        time.sleep(1.0)
        settings = ProxySettings.from_env({**os.environ, **env})
        table = load_table(routes)
        store = open_store(settings)
        latencies = []
        try:
            for n in range(flips):
                time.sleep(random.uniform(0.05, 0.4))  # land anywhere in the SQLite poll cycle
                mode = "monolith" if n % 2 else "extracted"
                started = time.time()
                entry = route_flip(table=table, store=store, route_id="catalog-products-read", mode=mode,
                                   actor="bench", reason="flip latency benchmark")
                deadline = time.monotonic() + 10
                while len(seen := applied_times(log, entry.version)) < WORKERS:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"version {entry.version} reached only {len(seen)} workers")
                    time.sleep(0.01)
                latencies.append(max(seen.values()) - started)
        finally:
            store.close()
    ms = sorted(1000 * x for x in latencies)
    return {"store": label, "workers": WORKERS, "flips": flips, "median_ms": round(statistics.median(ms), 1),
            "p90_ms": round(ms[int(0.9 * (len(ms) - 1))], 1), "max_ms": round(ms[-1], 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--flips", type=int, default=20)
    args = parser.parse_args()
    sqlite = Path(tempfile.mkdtemp(prefix="bench-flip-store-")) / "routes.sqlite3"
    results = [measure({"STRANGLER_STORE": str(sqlite)}, args.flips, "sqlite (poll 0.25 s)")]
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
        from tests import servers

        redis_url = servers.redis_url()
    results.append(measure({"STRANGLER_STORE": redis_url, "STRANGLER_REDIS_PREFIX": f"bench-{os.getpid()}:"},
                           args.flips, "redis (pub/sub)"))
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"bench-{os.getpid()}:*"):
        client.delete(key)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "proxy-flip-latency.json").write_text(json.dumps({"machine": machine(), "results": results}, indent=2))
    print(f"machine: {machine()}")
    print("| store | workers | flips | median ms | p90 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in results:
        print(f"| {row['store']} | {row['workers']} | {row['flips']} | {row['median_ms']} | {row['p90_ms']} "
              f"| {row['max_ms']} |")


if __name__ == "__main__":
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    main()
