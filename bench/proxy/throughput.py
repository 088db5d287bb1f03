"""Throughput and latency, side by side: direct, nginx and the strangler proxy, same upstream.

    .venv/bin/python bench/proxy/throughput.py [--seconds 10] [--rounds 3] [--workers 2]
        [--access-log on|off] [--wrk-threads 1] [--wrk-cpu N] [--floors] [--before DIR] [--pause-ms 20]
        [--pairs N] [--pair-seconds 3]

The targets run at once against one upstream (bench/proxy/upstream.py); wrk drives them in
turn, round after round (`--rounds`, every other round in reverse order), so slow drifts of
a shared machine's load hit every target alike; each figure is the median over the rounds and the ratios are
medians of each round's own ratio. Per round and target: wrk at 64 connections, then one
connection for the latency a lone request pays, then 64 connections paced (`--pause-ms`
before each request on each connection: a load every target takes without queueing, so
its latency is the proxy's own, not time spent waiting behind other requests).
Fairness, checked and reported:

- nginx runs `worker_processes` equal to the proxy's `--workers`;
- wrk runs with `--wrk-threads` threads (default 1, so it takes at most one of the cores
  the servers need), pinned to CPU `--wrk-cpu` if given;
- keep-alive on every hop: wrk keeps its 64 connections, nginx (`keepalive 128`) and the
  proxy (connection pool) reuse theirs to the upstream; the connections open to the
  upstream and to each target are counted under load (`ss`), and must stay near 64;
- access log as in production: on for both (nginx's to a file, the proxy's JSON lines to a
  file), or off for both; the proxy's dashboard samples every 10 s (its default);
- the proxy's workers log their event loop at start: the run fails unless it is uvloop;
  log level INFO, no asyncio debug mode.

With `--floors`, two proxies with no logic at all join the run, each as `--workers`
processes on one port (bench/proxy/baseline.py): a bare aiohttp proxy (aiohttp server and
client) and a bare httptools proxy (asyncio protocols and httptools, what the strangler
proxy is built on): what any Python proxy on these stacks can reach on this machine. With `--pairs N`,
nginx and the strangler proxy then run back to back N times for `--pair-seconds` each, and
the ratio of each pair is reported (median, quartiles) with the CPU the hypervisor stole
during each run: the steadiest estimate of the throughput ratio on a shared machine. With
`--before DIR`, the strangler proxy of another checkout (`git archive <commit> strangler_proxy`
unpacked in DIR) runs too, as "strangler (before)".

CPU time per request (user + system of the target's processes, from /proc) is reported
too: on a shared machine it moves less than req/s. Writes bench/results/proxy-throughput.json
and prints Markdown tables.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import (PYTHON, RESULTS, Processes, children, cpu_seconds, ensure_tools, free_port, machine,
                    nginx_config, routes_file, rss_mib, stolen_share, strangler, wait_port, worker_pids, wrk)

PATH = "/api/v1/catalog/products/1/"
FLOORS = {"bare httptools proxy": "httptools", "bare aiohttp proxy": "bare"}


def established(port: int, *, remote: bool, pids: list[int] | None = None) -> int:
    """Count established TCP connections on local (or, with `remote`, peer) `port`, owned by `pids` if given."""
    side = "dport" if remote else "sport"
    out = subprocess.run(["ss", "-tnpH", "state", "established", f"( {side} = :{port} )"],
                         capture_output=True, text=True).stdout
    lines = [line for line in out.splitlines() if line.strip()]
    if pids is not None:
        lines = [line for line in lines if any(f"pid={pid}," in line for pid in pids)]
    return len(lines)


def measure(name: str, port: int, pids: list[int], upstream: int, args: argparse.Namespace) -> dict:
    url = f"http://127.0.0.1:{port}{PATH}"
    options = {"threads": args.wrk_threads, "cpu": args.wrk_cpu}
    wrk(url, seconds=2, **options)  # warm-up
    before = cpu_seconds(pids)
    counted: dict[str, int] = {}

    def count_connections() -> None:
        counted["client"] = established(port, remote=False)
        counted["upstream"] = established(upstream, remote=True, pids=pids) if name != "direct" else 0

    loaded = wrk(url, seconds=args.seconds, during=count_connections, **options)
    cpu_us = 1e6 * (cpu_seconds(pids) - before) / max(1, loaded.requests)
    single = wrk(url, connections=1, seconds=max(3, args.seconds // 2), threads=1, cpu=args.wrk_cpu)
    paced = wrk(url, seconds=max(3, args.seconds // 2), pause_ms=args.pause_ms, **options)
    return {"rps": loaded.requests_per_second, "p50_ms": loaded.p50_ms, "p99_ms": loaded.p99_ms,
            "errors": loaded.errors, "cpu_us_per_request": round(cpu_us, 1),
            "paced_rps": paced.requests_per_second, "paced_p50_ms": paced.p50_ms, "paced_p99_ms": paced.p99_ms,
            "c1_rps": single.requests_per_second, "c1_p50_ms": single.p50_ms, "c1_p99_ms": single.p99_ms,
            "connections_from_wrk": counted.get("client"), "connections_to_upstream": counted.get("upstream")}


def pairs(ports: dict[str, int], count: int, seconds: int, args: argparse.Namespace) -> list[dict]:
    """Run nginx and the strangler proxy back to back, `count` times (order alternating).

    On a shared machine the CPU the hypervisor leaves us drifts from one minute to the
    next; two short runs a few seconds apart see nearly the same machine, so the ratio of
    each pair is steadier than the ratio of two medians taken minutes apart.
    """
    measured = []
    for number in range(count):
        order = ["nginx", "strangler"] if number % 2 == 0 else ["strangler", "nginx"]
        pair: dict = {}
        for name in order:
            result, stolen = stolen_share(lambda: wrk(f"http://127.0.0.1:{ports[name]}{PATH}", seconds=seconds,
                                                      threads=args.wrk_threads, cpu=args.wrk_cpu))
            pair[name] = {"rps": result.requests_per_second, "p50_ms": result.p50_ms, "stolen": round(stolen, 3)}
        pair["ratio"] = round(pair["strangler"]["rps"] / pair["nginx"]["rps"], 3)
        measured.append(pair)
    return measured


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="nginx and strangler worker processes")
    parser.add_argument("--access-log", choices=["on", "off"], default="on")
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--wrk-cpu", type=int, default=None, help="pin wrk to this CPU")
    parser.add_argument("--floors", action="store_true", help="also run bare aiohttp and httptools proxies")
    parser.add_argument("--pairs", type=int, default=0,
                        help="then this many back-to-back nginx/strangler pairs at 64 connections")
    parser.add_argument("--pair-seconds", type=int, default=3)
    parser.add_argument("--pause-ms", type=float, default=20.0,
                        help="the paced run's pause before each request, per connection (64 connections)")
    parser.add_argument("--before", type=Path, default=None,
                        help="also run the strangler proxy of another checkout, as 'strangler (before)'")
    args = parser.parse_args()
    names = ("direct", "nginx", "strangler", *(["strangler (before)"] if args.before else []),
             *(FLOORS if args.floors else ()))
    ensure_tools("nginx", "wrk")
    logs = Path(tempfile.mkdtemp(prefix="bench-throughput-"))
    upstream, nginx_port, proxy_port = free_port(), free_port(), free_port()
    rounds: list[dict[str, dict]] = []
    with Processes() as procs:
        up = procs.start([PYTHON, "bench/proxy/upstream.py", str(upstream)])
        wait_port(upstream)
        nginx = procs.start(["nginx", "-c", str(nginx_config(nginx_port, upstream, args.workers,
                                                              access_log=args.access_log == "on")),
                             "-g", "daemon off;"])
        wait_port(nginx_port)
        env = {"STRANGLER_ROUTES": str(routes_file(upstream)), "STRANGLER_STORE": str(logs / "store.sqlite3"),
               "STRANGLER_ACCESS_LOG": "1" if args.access_log == "on" else "0", "REDIS_URL": "",
               "STRANGLER_LOG_LEVEL": "INFO", "STRANGLER_DASHBOARD_SAMPLE_SECONDS": "10"}
        for variable in ("PYTHONASYNCIODEBUG", "PYTHONDEVMODE", "PROMETHEUS_MULTIPROC_DIR"):
            os.environ.pop(variable, None)
        proxy_log = logs / "strangler.log"
        proxy = procs.start(strangler("proxy", "--port", str(proxy_port), "--workers", str(args.workers)),
                            env=env, log=proxy_log)
        wait_port(proxy_port)
        time.sleep(2.0)
        loops = proxy_log.read_text().count('event loop uvloop')
        if loops != args.workers:
            sys.exit(f"expected {args.workers} workers on uvloop, the log says {loops}: {proxy_log}")
        targets = {"direct": (upstream, [up.pid]), "nginx": (nginx_port, children(nginx.pid) or [nginx.pid]),
                   "strangler": (proxy_port, worker_pids(proxy.pid))}
        if args.before:
            before_port = free_port()
            before = procs.start(strangler("proxy", "--port", str(before_port), "--workers", str(args.workers)),
                                 env={**env, "STRANGLER_STORE": str(logs / "before.sqlite3"),
                                      "PYTHONPATH": str(args.before.resolve())},
                                 log=logs / "before.log", cwd=args.before)
            wait_port(before_port)
            time.sleep(2.0)
            targets["strangler (before)"] = (before_port, worker_pids(before.pid))
        if args.floors:
            for floor, kind in FLOORS.items():
                port = free_port()
                started = [procs.start([PYTHON, "bench/proxy/baseline.py", kind, str(port), str(upstream),
                                        "--reuse-port"]) for _ in range(args.workers)]
                wait_port(port)
                targets[floor] = (port, [process.pid for process in started])
        for number in range(args.rounds):
            # Every other round runs the targets in reverse order, so a drift in the machine's
            # load does not always favour the same ones.
            order = list(names) if number % 2 == 0 else list(names)[::-1]
            measured = {name: measure(name, *targets[name], upstream, args) for name in order}
            rounds.append({name: measured[name] for name in names})
        paired = pairs({name: targets[name][0] for name in ("nginx", "strangler")}, args.pairs, args.pair_seconds,
                       args)
        rss = [round(rss_mib(pid), 1) for pid in worker_pids(proxy.pid)]
        load = os.getloadavg()[0]
        logged = sum(1 for _ in proxy_log.open()) if args.access_log == "on" else 0
    rows = {name: {key: statistics.median(r[name][key] for r in rounds)
                   for key in ("rps", "p50_ms", "p99_ms", "cpu_us_per_request", "c1_rps", "c1_p50_ms", "c1_p99_ms",
                               "paced_rps", "paced_p50_ms", "paced_p99_ms")}
            for name in names}
    ratio = [r["strangler"]["rps"] / r["nginx"]["rps"] for r in rounds]
    added_64 = [r["strangler"]["p50_ms"] - r["direct"]["p50_ms"] for r in rounds]
    added_1 = [r["strangler"]["c1_p50_ms"] - r["direct"]["c1_p50_ms"] for r in rounds]
    added_paced = [r["strangler"]["paced_p50_ms"] - r["direct"]["paced_p50_ms"] for r in rounds]
    result = {"machine": machine(), "load_average_1m": round(load, 2), "workers": args.workers,
              "access_log": args.access_log, "seconds": args.seconds, "rounds": args.rounds,
              "wrk_threads": args.wrk_threads, "wrk_cpu": args.wrk_cpu, "targets": rows, "each_round": rounds,
              "strangler_rss_mib_per_worker": rss, "strangler_log_lines": logged,
              "throughput_vs_nginx": round(statistics.median(ratio), 3),
              "throughput_vs_nginx_each_round": [round(x, 3) for x in ratio],
              "added_p50_ms_at_64": round(statistics.median(added_64), 3),
              "added_p50_ms_at_1": round(statistics.median(added_1), 3),
              "added_p50_ms_at_64_paced": round(statistics.median(added_paced), 3), "pause_ms": args.pause_ms,
              "pairs": paired}
    for other in names[3:]:
        result[f"{other} / nginx"] = round(statistics.median(r[other]["rps"] / r["nginx"]["rps"] for r in rounds), 3)
    RESULTS.mkdir(exist_ok=True)
    name = "proxy-throughput.json" if args.access_log == "on" else "proxy-throughput-log-off.json"
    (RESULTS / name).write_text(json.dumps(result, indent=2))
    pin = f", pinned to CPU {args.wrk_cpu}" if args.wrk_cpu is not None else ""
    print(f"machine: {result['machine']}; 1-minute load average at the end: {result['load_average_1m']}")
    print(f"workers: {args.workers} (nginx and strangler, uvloop checked), access log {args.access_log} (both), "
          f"wrk -t{args.wrk_threads}{pin} -c64 -d{args.seconds}s, then -c1, then -c64 paced "
          f"({args.pause_ms:g} ms pause before each request), {args.rounds} rounds, medians")
    print("| target | req/s (64 conn) | p50 ms | p99 ms | CPU µs/request | req/s (1 conn) | p50 ms (1 conn) "
          "| p99 ms (1 conn) | req/s (64 conn, paced) | p50 ms (paced) | p99 ms (paced) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for target, row in rows.items():
        print(f"| {target} | {row['rps']:.0f} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | "
              f"{row['cpu_us_per_request']:.0f} | {row['c1_rps']:.0f} | {row['c1_p50_ms']:.3f} | "
              f"{row['c1_p99_ms']:.3f} | {row['paced_rps']:.0f} | {row['paced_p50_ms']:.3f} | "
              f"{row['paced_p99_ms']:.3f} |")
    print(f"strangler / nginx throughput: {result['throughput_vs_nginx']:.0%} (rounds: "
          f"{', '.join(f'{x:.0%}' for x in ratio)}); added p50 over direct: {result['added_p50_ms_at_64']:.2f} ms "
          f"at 64 connections, {result['added_p50_ms_at_64_paced']:.3f} ms at 64 paced ({args.pause_ms:g} ms pauses), "
          f"{result['added_p50_ms_at_1']:.3f} ms at 1; RSS per worker: {rss} MiB")
    for other in names[3:]:
        print(f"{other} / nginx throughput: {result[f'{other} / nginx']:.0%}")
    if paired:
        ratios = sorted(pair["ratio"] for pair in paired)
        quartiles = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else ratios * 3
        stolen = [pair[name]["stolen"] for pair in paired for name in ("nginx", "strangler")]
        print(f"back-to-back pairs ({len(paired)} x {args.pair_seconds} s each, 64 connections): strangler / nginx "
              f"median {statistics.median(ratios):.0%}, quartiles {quartiles[0]:.0%}-{quartiles[2]:.0%}, range "
              f"{ratios[0]:.0%}-{ratios[-1]:.0%}; CPU stolen by the hypervisor per run {min(stolen):.0%}-"
              f"{max(stolen):.0%}")
    for target in names:
        seen = [(r[target]["connections_from_wrk"], r[target]["connections_to_upstream"]) for r in rounds]
        errors = {r[target]["errors"] for r in rounds}
        print(f"{target}: connections under load (from wrk, to upstream) per round {seen}; wrk errors {errors}")


if __name__ == "__main__":
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    main()
