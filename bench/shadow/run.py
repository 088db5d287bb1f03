"""Shadow isolation: the user's p99 with shadow on (slow target, dead target) against shadow off.

    .venv/bin/python bench/shadow/run.py [--rounds 10] [--seconds 5] [--rate 300] [--warmup 1]
                                         [--pin] [--mirrors sidecar,in-process,sidecar@DIR] [--load open|wrk]

A `strangler proxy` process (1 worker, access log off) per mirror kind serves three routes
from the same fast monolith: `off` (mode monolith, nothing mirrored), `slow` (mode shadow,
its extracted backend answers after 1 s) and `down` (mode shadow, its extracted backend's
port is closed). Shadow settings are the defaults: every request sampled, 10 % noise
probes, 5 s hard timeout, 64 exchanges in flight. `--mirrors` says which shadow runs:
`sidecar` (the default: the worker hands exchanges to its sidecar process) and/or
`in-process` (STRANGLER_SHADOW_SIDECAR=0: the worker mirrors and compares itself), and
`KIND@DIR` runs that proxy from another checkout (a before/after comparison in one run).
Each has its own proxy and its own `off`, and every figure is against that `off`.

Statistics. One route is loaded at a time; every scenario runs once per round, the order
rotating each round, so drift on a shared machine hits all alike. `--warmup` rounds run
first and are thrown away (connections, the dead target's circuit, the sidecar's start).
The load is open-loop by default (bench/shadow/load.py: a fixed request rate, latency from
each request's scheduled start, every latency kept), so per scenario there are
rounds x seconds x rate samples. Reported: p50, p99 and p99.9 of all rounds pooled; the
median of the per-round p99s and their range; and the ratio of pooled p99s against `off`
with a 95 % confidence interval from a paired bootstrap over rounds (round i of `slow` goes
with round i of `off`, both resampled together), so a ratio is only called within the
limit when the whole interval is. `--load wrk` runs wrk -t1 -c16 (closed loop,
saturating) instead: no pooled figures then, only per-round ones.

Also reported: the proxy's and the sidecar's CPU per request (user + system from /proc,
sidecar = the proxy's child processes), the load client's own lag (how late it started
requests: its CPU starvation, not the proxy's), the 1-minute load average before and after
every run, the share of the machine's CPU time the hypervisor stole during each run and
the share other processes than the benchmark's used (`/proc/stat`), and the shadow's
counters from /metrics and the compare API (sent, failed, dropped by reason). Every figure
is given twice: over all runs, and over the quiet runs only (stolen at most `--max-steal`,
1 %, and used by others at most `--max-foreign`, 5 %; the same rule for every scenario,
resampled unpaired since which runs are quiet differs), with how many runs each kept.
`--pin` puts each proxy and its sidecar on CPU 0 (what the shadow does costs the proxy's
CPU, not the load client's) and the load client and the targets on the other CPUs. Writes bench/results/shadow-isolation.json and prints Markdown tables.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
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
MIRRORS = ("sidecar", "in-process")
LIMIT = 1.10
TOKEN = "bench-admin-token"
BOOTSTRAP = 2000
MIN_ROUNDS = 3  # fewer runs of a scenario give no interval worth printing


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
            f"Python {platform.python_version()}")


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


# --- processes and CPU ------------------------------------------------------------------------

def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user + system) a process has used, from /proc (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_times() -> tuple[float, float, float]:
    """Return the whole machine's (busy, stolen, total) CPU seconds so far, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    tick = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / tick, steal / tick, sum(fields[:8]) / tick


def own_cpu_seconds(pids: list[int]) -> float:
    """Return the CPU time of the benchmark's own processes: itself, these, and every child it has waited for."""
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(cpu_seconds(pid) for pid in pids) + sum(u.ru_utime + u.ru_stime for u in usage)


def children(pid: int) -> list[int]:
    """Return the process's child processes (the sidecar of a one-worker proxy)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


class Pinning:
    """Which CPUs the proxies get, and which everything else gets (None: no pinning)."""

    def __init__(self, enabled: bool) -> None:
        cpus = sorted(os.sched_getaffinity(0))
        self.enabled = enabled and len(cpus) >= 2
        self.proxy = {cpus[0]} if self.enabled else None
        self.rest = set(cpus[1:]) if self.enabled else None

    def describe(self) -> str:
        if not self.enabled:
            return "not pinned"
        return (f"proxy and its sidecar on CPU {sorted(self.proxy)}, load client and targets on CPU "
                f"{sorted(self.rest)}")

    def place(self, pid: int, cpus: set[int] | None) -> None:
        if cpus is not None:
            try:
                os.sched_setaffinity(pid, cpus)
            except OSError:
                pass


# --- load -------------------------------------------------------------------------------------

def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([0-9.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, *, connections: int, seconds: int, pinning: Pinning) -> dict:
    process = subprocess.Popen(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                               stdout=subprocess.PIPE, text=True)
    pinning.place(process.pid, pinning.rest)
    out, _ = process.communicate(timeout=seconds + 30)
    errors = re.search(r"Socket errors: .*|Non-2xx or 3xx responses: \d+", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1)),
            "p50_ms": _ms(re.search(r"\s50%\s+(\S+)", out).group(1)),
            "p99_ms": _ms(re.search(r"\s99%\s+(\S+)", out).group(1)),
            "errors": errors.group(0) if errors else "none", "latencies": None}


def open_loop(url: str, *, rate: float, seconds: int, pinning: Pinning) -> dict:
    process = subprocess.Popen([PYTHON, "bench/shadow/load.py", url, "--rate", str(rate), "--seconds", str(seconds),
                                "--raw"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    pinning.place(process.pid, pinning.rest)
    out, _ = process.communicate(timeout=seconds + 60)
    data = json.loads(out)
    return {"rps": data["achieved_rate"], "p50_ms": data["p50_ms"], "p99_ms": data["p99_ms"], "max_ms": data["max_ms"],
            "lag_p99_ms": data["lag_p99_ms"], "errors": f"{data['errors']} of {data['sent']}",
            "latencies": sorted(data["latencies_ms"])}


# --- statistics -------------------------------------------------------------------------------

def quantile(rounds: list[list[float]], q: float) -> float:
    """Return the q-quantile of every round's (sorted) latencies pooled, as load.py computes one."""
    total = sum(len(r) for r in rounds)
    rank = min(total - 1, int(q * total))
    from_top = total - 1 - rank
    if from_top < total // 10:
        # Only the tail matters: the largest from_top + 1 of each round hold it.
        tail = sorted((v for r in rounds for v in r[max(0, len(r) - from_top - 1):]), reverse=True)
        return tail[from_top]
    return sorted(v for r in rounds for v in r)[rank]


def ratio_interval(case: list[list[float]], base: list[list[float]], q: float, rng: random.Random, *,
                   paired: bool = True) -> tuple[float, float]:
    """Return a 95 % interval for quantile(case) / quantile(base), resampling rounds (paired: the same ones)."""
    ratios = []
    for _ in range(BOOTSTRAP):
        picked = [rng.randrange(len(case)) for _ in range(len(case))]
        other = picked if paired else [rng.randrange(len(base)) for _ in range(len(base))]
        ratios.append(quantile([case[i] for i in picked], q) / quantile([base[i] for i in other], q))
    ratios.sort()
    return ratios[int(0.025 * BOOTSTRAP)], ratios[int(0.975 * BOOTSTRAP) - 1]


def verdict(point: float, low: float | None, high: float | None) -> str:
    if high is not None and high <= LIMIT:
        return "within, shown"
    if low is not None and low > LIMIT:
        return "above, shown"
    if point <= LIMIT:
        return "within, not shown (interval crosses the limit)"
    return "above, not shown (interval crosses the limit)"


def summarise(runs: dict[str, list[dict]], pooled: bool, *, paired: bool = True) -> dict[str, dict]:
    """Return each scenario's figures and, against its mirror's `off`, the p99 ratio and the verdict."""
    rng = random.Random(20250301)
    summary: dict[str, dict] = {}
    for key, rounds in runs.items():
        if not rounds:
            summary[key] = {"rounds": 0}
            continue
        p99s = sorted(r["p99_ms"] for r in rounds)
        quartiles = statistics.quantiles(p99s, n=4) if len(p99s) >= 2 else [p99s[0]] * 3
        entry = {"rounds": len(rounds), "median_rps": statistics.median(r["rps"] for r in rounds),
                 "median_p50_ms": statistics.median(r["p50_ms"] for r in rounds),
                 "round_p99_ms": {"median": statistics.median(p99s), "min": p99s[0], "q1": quartiles[0],
                                  "q3": quartiles[2], "max": p99s[-1]},
                 "proxy_cpu_us_per_request": statistics.median(r["proxy_cpu_us_per_request"] for r in rounds),
                 "sidecar_cpu_us_per_request": statistics.median(r["sidecar_cpu_us_per_request"] for r in rounds)}
        if pooled:
            latencies = [r["latencies"] for r in rounds]
            entry.update({"samples": sum(len(r) for r in latencies),
                          "pooled_p50_ms": quantile(latencies, 0.50), "pooled_p99_ms": quantile(latencies, 0.99),
                          "pooled_p999_ms": quantile(latencies, 0.999),
                          "median_client_lag_p99_ms": statistics.median(r["lag_p99_ms"] for r in rounds)})
        summary[key] = entry
    for key, entry in summary.items():
        mirror, _, scenario = key.rpartition("/")
        if scenario == "off":
            continue
        base = summary[f"{mirror}/off"]
        if min(entry["rounds"], base["rounds"]) < MIN_ROUNDS:
            entry["verdict"] = f"too few runs (fewer than {MIN_ROUNDS})"
            continue
        entry["median_round_p99_ratio"] = round(entry["round_p99_ms"]["median"] / base["round_p99_ms"]["median"], 3)
        if pooled:
            point = entry["pooled_p99_ms"] / base["pooled_p99_ms"]
            low, high = ratio_interval([r["latencies"] for r in runs[key]],
                                       [r["latencies"] for r in runs[f"{mirror}/off"]], 0.99, rng, paired=paired)
            entry["pooled_p99_ratio"] = {"ratio": round(point, 3), "ci95": [round(low, 3), round(high, 3)]}
            entry["verdict"] = verdict(point, low, high)
        else:
            entry["verdict"] = verdict(entry["median_round_p99_ratio"], None, None)
    return summary


# --- the run ----------------------------------------------------------------------------------

def mirror_counts(port: int) -> dict[str, dict[str, int]]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    counts: dict[str, dict[str, int]] = {}
    for outcome, route, value in re.findall(r'strangler_mirror_total\{outcome="(\w+)",route="(\w+)"\} ([0-9.e+]+)',
                                            text):
        counts.setdefault(route, {})[outcome] = int(float(value))
    request = urllib.request.Request(f"http://127.0.0.1:{port}/_strangler/api/compare",
                                     headers={"Authorization": f"Bearer {TOKEN}"})
    try:
        listing = json.loads(urllib.request.urlopen(request, timeout=30).read())
        for route in listing.get("routes", []):
            for reason, n in (route.get("dropped_by_reason") or {}).items():
                counts.setdefault(route["route"], {})[f"dropped.{reason}"] = n
    except OSError:
        pass
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1, help="rounds run first and thrown away")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (with --load wrk)")
    parser.add_argument("--rate", type=float, default=300, help="requests per second (open-loop load)")
    parser.add_argument("--load", choices=["open", "wrk"], default="open")
    parser.add_argument("--mirrors", default="sidecar",
                        help=f"comma-separated, of {', '.join(MIRRORS)}; KIND@DIR: that proxy from another checkout")
    parser.add_argument("--pin", action="store_true",
                        help="proxies and their sidecars on CPU 0, load client and targets on the others")
    parser.add_argument("--max-steal", type=float, default=1.0,
                        help="a quiet run: the hypervisor stole at most this %% of the machine's CPU time")
    parser.add_argument("--max-foreign", type=float, default=5.0,
                        help="a quiet run: other processes than the benchmark's used at most this %% of it")
    args = parser.parse_args()
    mirrors = [m.strip() for m in args.mirrors.split(",") if m.strip()]
    checkouts = {m: Path(m.partition("@")[2]).resolve() if "@" in m else ROOT for m in mirrors}
    if not mirrors or any(m.partition("@")[0] not in MIRRORS for m in mirrors) or len(set(mirrors)) < len(mirrors):
        parser.error(f"--mirrors: expected a comma-separated list of {', '.join(MIRRORS)} (KIND@DIR for another "
                     "checkout), each once")
    for mirror, checkout in checkouts.items():
        if not (checkout / "strangler_proxy").is_dir():
            parser.error(f"--mirrors: {mirror}: {checkout} is not a checkout of this repository")
    pinning = Pinning(args.pin)

    def load(url: str, seconds: int) -> dict:
        if args.load == "wrk":
            return wrk(url, connections=args.connections, seconds=seconds, pinning=pinning)
        return open_loop(url, rate=args.rate, seconds=seconds, pinning=pinning)

    monolith, slow, down = free_port(), free_port(), free_port()
    routes = routes_file(monolith, slow, down)
    started: list[subprocess.Popen] = []
    proxies: dict[str, tuple[subprocess.Popen, int]] = {}
    keys = [f"{mirror}/{scenario}" for mirror in mirrors for scenario in SCENARIOS]
    runs: dict[str, list[dict]] = {key: [] for key in keys}
    load_averages: list[float] = []
    steals: list[float] = []
    foreigns: list[float] = []
    try:
        for port, delay in ((monolith, 0.0), (slow, 1.0)):
            target = subprocess.Popen([PYTHON, "bench/shadow/targets.py", str(port), "--delay", str(delay)], cwd=ROOT)
            pinning.place(target.pid, pinning.rest)
            started.append(target)
            wait_port(port)
        for mirror in mirrors:
            work = Path(tempfile.mkdtemp(prefix="bench-shadow-proxy-"))
            port = free_port()
            env = {**os.environ, "STRANGLER_ROUTES": str(routes), "STRANGLER_STORE": str(work / "routes.sqlite3"),
                   "REDIS_URL": "", "STRANGLER_ACCESS_LOG": "0", "STRANGLER_LOG_LEVEL": "WARNING",
                   "STRANGLER_ADMIN_TOKEN": TOKEN,
                   "STRANGLER_SHADOW_SIDECAR": "1" if mirror.startswith("sidecar") else "0"}
            env.pop("PROMETHEUS_MULTIPROC_DIR", None)
            proxy = subprocess.Popen(
                [PYTHON, "-c", "from strangler_proxy.cli import main; main()", "proxy", "--port", str(port),
                 "--workers", "1"], cwd=checkouts[mirror], env=env, stderr=open(work / "proxy.log", "wb"))
            pinning.place(proxy.pid, pinning.proxy)
            started.append(proxy)
            proxies[mirror] = (proxy, port)
            wait_port(port)

        def one(key: str) -> dict:
            mirror, _, scenario = key.rpartition("/")
            proxy, port = proxies[mirror]
            sidecars = children(proxy.pid)  # on the proxy's CPU, as its child
            before, before_side = cpu_seconds(proxy.pid), sum(cpu_seconds(pid) for pid in sidecars)
            load_before = os.getloadavg()[0]
            ours = [p.pid for p in started] + children(proxy.pid)
            busy_before, steal_before, total_before = cpu_times()
            own_before = own_cpu_seconds(ours)
            run = load(f"http://127.0.0.1:{port}/{scenario}/1/", args.seconds)
            busy_after, steal_after, total_after = cpu_times()
            foreign = (busy_after - busy_before) - (own_cpu_seconds(ours) - own_before)
            elapsed = max(1e-9, total_after - total_before)  # CPU seconds the machine had, all CPUs
            run["steal_percent"] = round(100 * (steal_after - steal_before) / elapsed, 1)
            run["foreign_cpu_percent"] = round(max(0.0, 100 * foreign / elapsed), 1)
            steals.append(run["steal_percent"])
            foreigns.append(run["foreign_cpu_percent"])
            answered = max(1.0, float(run["rps"]) * args.seconds)
            run["proxy_cpu_us_per_request"] = round(1e6 * (cpu_seconds(proxy.pid) - before) / answered, 1)
            side = sum(cpu_seconds(pid) for pid in sidecars)
            run["sidecar_cpu_us_per_request"] = round(1e6 * (side - before_side) / answered, 1)
            run["load_average_1m"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
            load_averages.extend(run["load_average_1m"])
            return run

        for _ in range(args.warmup):
            for key in keys:
                one(key)
        load_averages.clear()
        steals.clear()
        foreigns.clear()
        for number in range(args.rounds):
            shift = number % len(keys)
            for key in keys[shift:] + keys[:shift]:
                runs[key].append(one(key))
        counts = {mirror: mirror_counts(port) for mirror, (_, port) in proxies.items()}
    finally:
        for process in reversed(started):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
    pooled = args.load == "open"
    summary = summarise(runs, pooled)
    quiet_runs = {key: [r for r in rounds if r["steal_percent"] <= args.max_steal
                        and r["foreign_cpu_percent"] <= args.max_foreign] for key, rounds in runs.items()}
    quiet = summarise(quiet_runs, pooled, paired=False)
    how = f"wrk -t1 -c{args.connections}" if args.load == "wrk" else f"open loop at {args.rate:g} req/s"
    result = {"machine": machine(), "pinning": pinning.describe(),
              "load_average_1m": {"min": min(load_averages), "median": statistics.median(load_averages),
                                  "max": max(load_averages)},
              "steal_percent": {"median": statistics.median(steals), "max": max(steals)},
              "foreign_cpu_percent": {"median": statistics.median(foreigns), "max": max(foreigns)},
              "rounds": args.rounds, "warmup_rounds": args.warmup, "seconds": args.seconds, "load": how,
              "mirrors": mirrors, "summary": summary, "max_steal_percent": args.max_steal,
              "max_foreign_cpu_percent": args.max_foreign, "quiet_summary": quiet,
              "mirror_outcomes": counts,
              "runs": {key: [{k: v for k, v in r.items() if k != "latencies"} for r in rounds]
                       for key, rounds in runs.items()},
              "within_limit_shown": all(entry["verdict"] == "within, shown" for entry in summary.values()
                                        if "verdict" in entry),
              "within_limit_point": all(entry["verdict"].startswith("within") for entry in summary.values()
                                        if "verdict" in entry),
              "quiet_within_limit_shown": all(entry["verdict"] == "within, shown" for entry in quiet.values()
                                              if "verdict" in entry)}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "shadow-isolation.json").write_text(json.dumps(result, indent=2))
    report(result, pooled)


def report(result: dict, pooled: bool) -> None:
    counts = result["mirror_outcomes"]
    la, steal, foreign = result["load_average_1m"], result["steal_percent"], result["foreign_cpu_percent"]
    print(f"machine: {result['machine']}; {result['pinning']}")
    print(f"1 proxy worker per mirror, access log off; {result['load']}; {result['rounds']} rounds x "
          f"{result['seconds']} s per scenario after {result['warmup_rounds']} warm-up round(s), order rotating; "
          f"1-minute load average {la['min']:.2f}-{la['max']:.2f} (median {la['median']:.2f}); CPU stolen by the "
          f"hypervisor {steal['median']:.1f} % (median of runs, max {steal['max']:.1f} %), used by other processes "
          f"{foreign['median']:.1f} % (max {foreign['max']:.1f} %)")
    print("\nAll runs (rounds paired):\n")
    table(result["summary"], pooled)
    print(f"\nQuiet runs only (during the run the hypervisor stole at most {result['max_steal_percent']:g} % of the "
          f"machine's CPU time and other processes used at most {result['max_foreign_cpu_percent']:g} %; "
          "unpaired):\n")
    table(result["quiet_summary"], pooled)
    print()
    print("| mirror | scenario | shadow outcomes (whole run, warm-up included) |")
    print("|---|---|---|")
    for key in result["summary"]:
        mirror, _, scenario = key.rpartition("/")
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(counts.get(mirror, {}).get(scenario, {}).items()))
        print(f"| {mirror} | {scenario} | {outcomes or 'none'} |")
    for title, summary in (("all runs", result["summary"]), ("quiet runs", result["quiet_summary"])):
        verdicts = [entry["verdict"] for entry in summary.values() if "verdict" in entry]
        point = bool(verdicts) and all(v.startswith("within") for v in verdicts)
        shown = bool(verdicts) and all(v == "within, shown" for v in verdicts)
        print(f"{title}: every shadow-on p99 within {LIMIT}x of its shadow off: {'yes' if point else 'no'} "
              f"(point estimates); {'yes' if shown else 'no'} (the whole 95% interval)")


def table(summary: dict[str, dict], pooled: bool) -> None:
    if pooled:
        print("| mirror | scenario | runs | samples | p50 ms | p99 ms | p99.9 ms | p99 / off (95% CI) "
              "| per-run p99 ms: median [min-max] | proxy CPU µs/req | sidecar CPU µs/req | client lag p99 ms "
              "| verdict |")
        print("|---|---|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---|")
    else:
        print("| mirror | scenario | runs | req/s | p50 ms | per-run p99 ms: median [min-max] | p99 / off (medians) "
              "| proxy CPU µs/req | sidecar CPU µs/req | verdict |")
        print("|---|---|---:|---:|---:|---|---:|---:|---:|---|")
    for key, entry in summary.items():
        mirror, _, scenario = key.rpartition("/")
        if not entry["rounds"]:
            print(f"| {mirror} | {scenario} | 0 |" + " |" * (10 if pooled else 7))
            continue
        rounds = entry["round_p99_ms"]
        spread = f"{rounds['median']:.2f} [{rounds['min']:.2f}-{rounds['max']:.2f}]"
        cpu = f"{entry['proxy_cpu_us_per_request']:.0f} | {entry['sidecar_cpu_us_per_request']:.0f}"
        judged = entry.get("verdict", "")
        if pooled:
            r = entry.get("pooled_p99_ratio")
            ratio = "1" if scenario == "off" else (
                f"{r['ratio']:.2f} ({r['ci95'][0]:.2f}-{r['ci95'][1]:.2f})" if r else "-")
            print(f"| {mirror} | {scenario} | {entry['rounds']} | {entry['samples']} | {entry['pooled_p50_ms']:.2f} | "
                  f"{entry['pooled_p99_ms']:.2f} | {entry['pooled_p999_ms']:.2f} | {ratio} | {spread} | {cpu} | "
                  f"{entry['median_client_lag_p99_ms']:.2f} | {judged} |")
        else:
            ratio = "1" if scenario == "off" else f"{entry.get('median_round_p99_ratio', float('nan')):.2f}"
            print(f"| {mirror} | {scenario} | {entry['rounds']} | {entry['median_rps']:.0f} | "
                  f"{entry['median_p50_ms']:.2f} | {spread} | {ratio} | {cpu} | {judged} |")


if __name__ == "__main__":
    main()
