"""Memory while streaming: a 200 MiB download through the proxy, RSS before and peak after.

    .venv/bin/python bench/proxy/stream_memory.py [--mb 200]

Writes bench/results/proxy-stream-memory.json.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import time

from common import PYTHON, RESULTS, Processes, free_port, machine, routes_file, rss_mib, strangler, wait_port

MB = 1024 * 1024


def download(port: int, path: str) -> tuple[int, float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    received = 0
    while chunk := response.read(MB):
        received += len(chunk)
    connection.close()
    return received, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    args = parser.parse_args()
    upstream, port = free_port(), free_port()
    env = {"STRANGLER_ROUTES": str(routes_file(upstream)), "STRANGLER_STORE": "/tmp/bench-stream.sqlite3",
           "REDIS_URL": "", "STRANGLER_ACCESS_LOG": "1"}
    with Processes() as procs:
        procs.start([PYTHON, "bench/proxy/upstream.py", str(upstream), "--stream-mb", str(args.mb)])
        proxy = procs.start(strangler("proxy", "--port", str(port), "--workers", "1"), env=env)
        wait_port(upstream)
        wait_port(port)
        time.sleep(1.0)
        download(port, "/api/v1/catalog/products/1/")  # warm-up
        before = rss_mib(proxy.pid)
        direct_bytes, direct_seconds = download(upstream, "/stream")
        proxied_bytes, proxied_seconds = download(port, "/stream")
        peak = rss_mib(proxy.pid, "VmHWM")
        after = rss_mib(proxy.pid)
    assert proxied_bytes == direct_bytes == args.mb * MB, (proxied_bytes, direct_bytes)
    result = {"machine": machine(), "mib": args.mb, "rss_before_mib": round(before, 1),
              "rss_peak_mib": round(peak, 1), "rss_after_mib": round(after, 1),
              "direct_mib_per_s": round(args.mb / direct_seconds, 1),
              "proxied_mib_per_s": round(args.mb / proxied_seconds, 1)}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "proxy-stream-memory.json").write_text(json.dumps(result, indent=2))
    print(f"machine: {result['machine']}")
    print(f"{args.mb} MiB through one worker: RSS {result['rss_before_mib']} MiB before, peak "
          f"{result['rss_peak_mib']} MiB, {result['rss_after_mib']} MiB after; "
          f"{result['proxied_mib_per_s']} MiB/s proxied vs {result['direct_mib_per_s']} MiB/s direct")


if __name__ == "__main__":
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    main()
