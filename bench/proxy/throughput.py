"""Throughput and latency, side by side: direct, nginx and the strangler proxy, same upstream.

    .venv/bin/python bench/proxy/throughput.py [--seconds 10] [--workers 2] [--access-log on|off]

wrk at 64 connections against each target in turn, then a 1-connection run for the latency
one request pays. CPU time per request (user + system of the proxy's processes, from /proc)
is reported too: on a shared machine it moves less than req/s. Writes
bench/results/proxy-throughput.json and prints a Markdown table.
"""
from __future__ import annotations

import argparse
import json
import os
import time

from common import (PYTHON, RESULTS, Processes, children, cpu_seconds, ensure_tools, free_port, machine,
                    nginx_config, routes_file, rss_mib, strangler, wait_port, worker_pids, wrk)

PATH = "/api/v1/catalog/products/1/"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="nginx and strangler worker processes")
    parser.add_argument("--access-log", choices=["on", "off"], default="on")
    args = parser.parse_args()
    ensure_tools("nginx", "wrk")
    upstream, nginx_port, proxy_port = free_port(), free_port(), free_port()
    rows = {}
    with Processes() as procs:
        up = procs.start([PYTHON, "bench/proxy/upstream.py", str(upstream)])
        wait_port(upstream)
        nginx = procs.start(["nginx", "-c", str(nginx_config(nginx_port, upstream, args.workers)), "-g", "daemon off;"])
        wait_port(nginx_port)
        env = {"STRANGLER_ROUTES": str(routes_file(upstream)), "STRANGLER_STORE": "/tmp/bench-proxy-store.sqlite3",
               "STRANGLER_ACCESS_LOG": "1" if args.access_log == "on" else "0", "REDIS_URL": "",
               "STRANGLER_DASHBOARD_SAMPLE_SECONDS": "10"}
        proxy = procs.start(strangler("proxy", "--port", str(proxy_port), "--workers", str(args.workers)), env=env)
        wait_port(proxy_port)
        time.sleep(2.0)
        targets = {"direct": (upstream, [up.pid]), "nginx": (nginx_port, children(nginx.pid) or [nginx.pid]),
                   "strangler": (proxy_port, worker_pids(proxy.pid))}
        for name, (port, pids) in targets.items():
            url = f"http://127.0.0.1:{port}{PATH}"
            wrk(url, seconds=2)  # warm-up
            before = cpu_seconds(pids)
            loaded = wrk(url, seconds=args.seconds)
            cpu_us = 1e6 * (cpu_seconds(pids) - before) / max(1, loaded.requests)
            single = wrk(url, connections=1, threads=1, seconds=max(3, args.seconds // 2))
            rows[name] = {"rps": loaded.requests_per_second, "p50_ms": loaded.p50_ms, "p99_ms": loaded.p99_ms,
                          "errors": loaded.errors, "cpu_us_per_request": round(cpu_us, 1),
                          "c1_rps": single.requests_per_second, "c1_p50_ms": single.p50_ms,
                          "c1_p99_ms": single.p99_ms}
        rss = [round(rss_mib(pid), 1) for pid in worker_pids(proxy.pid)]
        load = os.getloadavg()[0]
    result = {"machine": machine(), "load_average_1m": round(load, 2), "workers": args.workers,
              "access_log": args.access_log, "seconds": args.seconds, "targets": rows,
              "strangler_rss_mib_per_worker": rss,
              "throughput_vs_nginx": round(rows["strangler"]["rps"] / rows["nginx"]["rps"], 3),
              "added_p50_ms_at_64": round(rows["strangler"]["p50_ms"] - rows["direct"]["p50_ms"], 3),
              "added_p50_ms_at_1": round(rows["strangler"]["c1_p50_ms"] - rows["direct"]["c1_p50_ms"], 3)}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "proxy-throughput.json").write_text(json.dumps(result, indent=2))
    print(f"machine: {result['machine']}; 1-minute load average at the end: {result['load_average_1m']}")
    print(f"workers: {args.workers} (nginx and strangler), access log {args.access_log}, "
          f"wrk -t2 -c64 -d{args.seconds}s, then -t1 -c1")
    print("| target | req/s (64 conn) | p50 ms | p99 ms | CPU µs/request | req/s (1 conn) | p50 ms (1 conn) "
          "| p99 ms (1 conn) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, row in rows.items():
        print(f"| {name} | {row['rps']:.0f} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | "
              f"{row['cpu_us_per_request']:.0f} | {row['c1_rps']:.0f} | {row['c1_p50_ms']:.3f} | "
              f"{row['c1_p99_ms']:.3f} |")
    print(f"strangler / nginx throughput: {result['throughput_vs_nginx']:.0%}; added p50 over direct: "
          f"{result['added_p50_ms_at_64']:.2f} ms at 64 connections, {result['added_p50_ms_at_1']:.3f} ms at 1; "
          f"RSS per worker: {rss} MiB")


if __name__ == "__main__":
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    main()
