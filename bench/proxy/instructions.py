"""Instructions per proxied request, counted by valgrind: a figure a noisy machine cannot move.

    .venv/bin/python bench/proxy/instructions.py [--seconds 10] [--targets strangler,httptools,...]

Throughput on a shared 2-core machine moves by tens of percent from run to run; the number of
user-space instructions a proxy executes per request does not (callgrind counts them, the
same for the same code and inputs whatever else the machine does). Each target runs as one
process under `valgrind --tool=callgrind`; once it is warm, `callgrind_control` zeroes the
counters, an idle window of `--seconds` passes (what the process does on its own: timers,
polls, flushes), the counters are dumped and zeroed again, wrk -t1 -c8 runs for `--seconds`,
and they are dumped again. Instructions per request = (loaded - idle) / requests answered.
The count covers the process's user space (Python, uvloop, httptools, libc), not the kernel.

Targets (same upstream, bench/proxy/upstream.py, same path):

    strangler           the strangler proxy, 1 worker, access log on (as in production)
    strangler-log-off   the same with STRANGLER_ACCESS_LOG=0
    httptools           bench/proxy/baseline.py's bare httptools proxy: the floor for this stack
    aiohttp             bench/proxy/baseline.py's bare aiohttp proxy

Under valgrind a process runs some 50 times slower, so a run takes about 2 minutes a target.
Writes bench/results/proxy-instructions.json and prints a Markdown table.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import PYTHON, RESULTS, ROOT, Processes, ensure_tools, free_port, machine, routes_file, strangler, \
    wait_port

PATH = "/api/v1/catalog/products/1/"
TARGETS = ("strangler", "strangler-log-off", "httptools", "aiohttp")


def command(target: str, port: int, upstream: int) -> tuple[list[str], dict[str, str]]:
    if target.startswith("strangler"):
        env = {"STRANGLER_ROUTES": str(routes_file(upstream)),
               "STRANGLER_STORE": str(Path(tempfile.mkdtemp(prefix="bench-instructions-")) / "store.sqlite3"),
               "STRANGLER_ACCESS_LOG": "0" if target.endswith("log-off") else "1", "REDIS_URL": "",
               "STRANGLER_LOG_LEVEL": "INFO"}
        return strangler("proxy", "--port", str(port), "--workers", "1"), env
    kind = {"httptools": "httptools", "aiohttp": "bare"}[target]
    return [PYTHON, "bench/proxy/baseline.py", kind, str(port), str(upstream)], {}


def total(dump: Path) -> int:
    for line in dump.read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise RuntimeError(f"no totals in {dump}")


def requests_answered(out: str) -> int:
    return int(re.search(r"(\d+) requests in", out).group(1))


def wrk(port: int, seconds: int) -> str:
    return subprocess.run(["wrk", "-t1", "-c8", f"-d{seconds}s", f"http://127.0.0.1:{port}{PATH}"],
                          capture_output=True, text=True, check=True).stdout


def control(pid: int, flag: str) -> None:
    subprocess.run(["callgrind_control", flag, str(pid)], capture_output=True, check=True)


def measure(target: str, upstream: int, seconds: int, procs: Processes, work: Path) -> dict:
    port = free_port()
    argv, env = command(target, port, upstream)
    out = work / f"{target}.callgrind"
    process = procs.start(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--collect-atstart=yes",
                           *argv], env=env, log=work / f"{target}.log")
    wait_port(port, timeout=300)
    wrk(port, 3)  # warm-up: imports done, caches and pools filled
    control(process.pid, "-z")
    time.sleep(seconds)
    control(process.pid, "-d")
    control(process.pid, "-z")
    loaded = wrk(port, seconds)
    control(process.pid, "-d")
    requests = requests_answered(loaded)
    procs.stop(process)
    dumps = sorted(work.glob(f"{target}.callgrind.*"), key=lambda path: int(path.suffix[1:]))
    idle, busy = total(dumps[0]), total(dumps[1])
    return {"requests": requests, "idle_instructions_per_second": round(idle / seconds),
            "instructions_per_request": round((busy - idle) / requests)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--targets", default=",".join(TARGETS))
    args = parser.parse_args()
    targets = [name.strip() for name in args.targets.split(",") if name.strip()]
    unknown = sorted(set(targets) - set(TARGETS))
    if unknown:
        sys.exit(f"unknown target(s) {', '.join(unknown)}; choose from {', '.join(TARGETS)}")
    ensure_tools("wrk", "valgrind")
    work = Path(tempfile.mkdtemp(prefix="bench-instructions-"))
    results: dict[str, dict] = {}
    with Processes() as procs:
        upstream = free_port()
        procs.start([PYTHON, "bench/proxy/upstream.py", str(upstream)])
        wait_port(upstream)
        for target in targets:
            results[target] = measure(target, upstream, args.seconds, procs, work)
            print(f"{target}: {results[target]}", file=sys.stderr)
    floor = results.get("httptools", {}).get("instructions_per_request")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "proxy-instructions.json").write_text(json.dumps(
        {"machine": machine(), "seconds": args.seconds, "targets": results}, indent=2))
    print(f"machine: {machine()}; valgrind callgrind, wrk -t1 -c8 -d{args.seconds}s, idle subtracted")
    print("| target (one process) | requests | thousand instructions per request | × the bare httptools proxy |")
    print("|---|---:|---:|---:|")
    for target, result in results.items():
        ratio = f"{result['instructions_per_request'] / floor:.2f}" if floor else "-"
        print(f"| {target} | {result['requests']} | {result['instructions_per_request'] / 1000:.1f} | {ratio} |")


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
