"""Shadow isolation: the user's p99 with shadow on (slow target, dead target) against shadow off.

    .venv/bin/python bench/shadow/run.py [--rounds 5] [--seconds 5] [--rate 300] [--load open|wrk]

One proxy process (`strangler proxy`, 1 worker, access log off) serves three routes from
the same fast monolith: `off` (mode monolith, nothing mirrored), `slow` (mode shadow, its
extracted backend answers after 1 s) and `down` (mode shadow, its extracted backend's port
is closed). Shadow settings are the defaults: every request sampled, 10 % noise probes,
5 s hard timeout, 64 exchanges in flight. One route is loaded at a time, the three
interleaved round after round, so drift on the shared machine hits all three alike; the
figure per scenario is the median of the rounds' p99.

The load is open-loop by default (bench/shadow/load.py: a fixed request rate, latency from
each request's scheduled start), so p99 shows what the shadow adds to a request rather than
how a saturated proxy queues; `--load wrk` runs wrk -t1 -c16 (closed loop, saturating)
instead. The shadow's own counters (from /metrics) show it was busy: exchanges sent, failed,
dropped on overload. Writes bench/results/shadow-isolation.json and prints a Markdown table.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
SCENARIOS = ("off", "slow", "down")
LIMIT = 1.10


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown CPU")
    mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    return (f"{os.cpu_count()} vCPU ({cpu}), {mem} MiB RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()} (shared machine)")


def routes_file(monolith: int, slow: int, down: int) -> Path:
    path = Path(tempfile.mkdtemp(prefix="bench-shadow-")) / "strangler.toml"
    path.write_text(f"""
[backends.monolith]
urls = ["http://127.0.0.1:{monolith}"]
health_path = ""
[backends.slow]
urls = ["http://127.0.0.1:{slow}"]
health_path = ""
[backends.down]
urls = ["http://127.0.0.1:{down}"]
health_path = ""
[[routes]]
id = "off"
context = "bench"
backend = "slow"
paths = ["/off/{{id}}/"]
mode = "monolith"
[[routes]]
id = "slow"
context = "bench"
backend = "slow"
paths = ["/slow/{{id}}/"]
mode = "shadow"
[[routes]]
id = "down"
context = "bench"
backend = "down"
paths = ["/down/{{id}}/"]
mode = "shadow"
""")
    return path


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([0-9.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, *, connections: int, seconds: int) -> dict[str, float | str]:
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True, timeout=seconds + 30).stdout
    errors = re.search(r"Socket errors: .*|Non-2xx or 3xx responses: \d+", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1)),
            "p50_ms": _ms(re.search(r"\s50%\s+(\S+)", out).group(1)),
            "p99_ms": _ms(re.search(r"\s99%\s+(\S+)", out).group(1)),
            "errors": errors.group(0) if errors else "none"}


def open_loop(url: str, *, rate: float, seconds: int) -> dict[str, float | str]:
    out = subprocess.run([PYTHON, "bench/shadow/load.py", url, "--rate", str(rate), "--seconds", str(seconds)],
                         cwd=ROOT, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    data = json.loads(out)
    return {"rps": data["achieved_rate"], "p50_ms": data["p50_ms"], "p99_ms": data["p99_ms"], "max_ms": data["max_ms"],
            "errors": f"{data['errors']} of {data['sent']}"}


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user + system) a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def mirror_counts(port: int) -> dict[str, dict[str, int]]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    counts: dict[str, dict[str, int]] = {}
    for outcome, route, value in re.findall(r'strangler_mirror_total\{outcome="(\w+)",route="(\w+)"\} ([0-9.e+]+)',
                                            text):
        counts.setdefault(route, {})[outcome] = int(float(value))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (with --load wrk)")
    parser.add_argument("--rate", type=float, default=300, help="requests per second (open-loop load)")
    parser.add_argument("--load", choices=["open", "wrk"], default="open")
    args = parser.parse_args()

    def load(url: str, seconds: int) -> dict[str, float | str]:
        if args.load == "wrk":
            return wrk(url, connections=args.connections, seconds=seconds)
        return open_loop(url, rate=args.rate, seconds=seconds)

    monolith, slow, down, proxy_port = free_port(), free_port(), free_port(), free_port()
    work = Path(tempfile.mkdtemp(prefix="bench-shadow-store-"))
    env = {**os.environ, "STRANGLER_ROUTES": str(routes_file(monolith, slow, down)),
           "STRANGLER_STORE": str(work / "routes.sqlite3"), "REDIS_URL": "", "STRANGLER_ACCESS_LOG": "0",
           "STRANGLER_LOG_LEVEL": "WARNING"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    started: list[subprocess.Popen] = []
    runs: dict[str, list[dict]] = {name: [] for name in SCENARIOS}
    try:
        for port, delay in ((monolith, 0.0), (slow, 1.0)):
            started.append(subprocess.Popen([PYTHON, "bench/shadow/targets.py", str(port), "--delay", str(delay)],
                                            cwd=ROOT))
            wait_port(port)
        proxy = subprocess.Popen(
            [PYTHON, "-c", "from strangler_proxy.cli import main; main()", "proxy", "--port", str(proxy_port),
             "--workers", "1"], cwd=ROOT, env=env, stderr=open(work / "proxy.log", "wb"))
        started.append(proxy)
        wait_port(proxy_port)
        for name in SCENARIOS:  # warm-up: connections, the circuit of the dead target, caches
            load(f"http://127.0.0.1:{proxy_port}/{name}/1/", 2)
        for _ in range(args.rounds):
            for name in SCENARIOS:
                before = cpu_seconds(proxy.pid)
                run = load(f"http://127.0.0.1:{proxy_port}/{name}/1/", args.seconds)
                answered = max(1.0, float(run["rps"]) * args.seconds)
                run["proxy_cpu_us_per_request"] = round(1e6 * (cpu_seconds(proxy.pid) - before) / answered, 1)
                runs[name].append(run)
        counts = mirror_counts(proxy_port)
        load_average = os.getloadavg()[0]
    finally:
        for process in reversed(started):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
    p99 = {name: statistics.median(r["p99_ms"] for r in runs[name]) for name in SCENARIOS}
    p50 = {name: statistics.median(r["p50_ms"] for r in runs[name]) for name in SCENARIOS}
    rps = {name: statistics.median(r["rps"] for r in runs[name]) for name in SCENARIOS}
    cpu = {name: statistics.median(r["proxy_cpu_us_per_request"] for r in runs[name]) for name in SCENARIOS}
    ratios = {name: round(p99[name] / p99["off"], 3) for name in ("slow", "down")}
    result = {"machine": machine(), "load_average_1m": round(load_average, 2), "rounds": args.rounds,
              "seconds": args.seconds, "load": args.load, "rate": args.rate, "connections": args.connections,
              "runs": runs,
              "median_p99_ms": p99, "median_p50_ms": p50, "median_rps": rps, "median_cpu_us_per_request": cpu,
              "p99_ratio_vs_off": ratios,
              "within_limit": all(r <= LIMIT for r in ratios.values()), "mirror_outcomes": counts}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "shadow-isolation.json").write_text(json.dumps(result, indent=2))
    print(f"machine: {result['machine']}; 1-minute load average at the end: {result['load_average_1m']}")
    how = f"wrk -t1 -c{args.connections}" if args.load == "wrk" else f"open loop at {args.rate:g} req/s"
    print(f"1 proxy worker, access log off; {how}, {args.rounds} rounds x {args.seconds} s per scenario, "
          f"interleaved; medians over rounds")
    print("| scenario | req/s | p50 ms | p99 ms | p99 / off | proxy CPU µs/request | p99 per round (ms) "
          "| shadow outcomes |")
    print("|---|---:|---:|---:|---:|---:|---|---|")
    for name in SCENARIOS:
        ratio = "1" if name == "off" else f"{ratios[name]:.2f}"
        rounds = ", ".join(f"{r['p99_ms']:.2f}" for r in runs[name])
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(counts.get(name, {}).items())) or "none"
        print(f"| {name} | {rps[name]:.0f} | {p50[name]:.2f} | {p99[name]:.2f} | {ratio} | {cpu[name]:.0f} | {rounds} "
              f"| {outcomes} |")
    print(f"within {LIMIT}x of shadow off: {'yes' if result['within_limit'] else 'NO'}")


if __name__ == "__main__":
    main()
