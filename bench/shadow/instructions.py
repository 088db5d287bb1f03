"""What the shadow costs the proxy worker, in instructions per request: a figure a noisy machine cannot move.

    .venv/bin/python bench/shadow/instructions.py [--seconds 10] [--rate 50] [--rounds 2]
                                                  [--mirrors sidecar,in-process]

Latency on a shared 2-core machine moves by more than the 10 % the isolation target allows;
the number of user-space instructions the proxy worker executes per request does not
(valgrind's callgrind counts them: the same for the same code and inputs, whatever else the
machine does). The set-up is run.py's: one `strangler proxy` process (1 worker, access log
off) per mirror kind, routes `off`, `slow` (shadow target answering after 1 s) and `down`
(shadow target's port closed), here run under `valgrind --tool=callgrind` (the sidecar, a
child process, runs natively: its work is not the worker's). Once warm, with
`callgrind_control`: counters zeroed, an idle window of `--seconds` (timers, flushes), a
dump; then per route, round after round: counters zeroed, an open-loop load of `--rate`
requests a second for `--seconds`, a dump. Instructions per request = (loaded - idle) /
requests answered, averaged over the rounds (they differ by some 10 %: collections, table
growth, what a shadow left running past its window); the shadow's cost on the worker is a
shadowed route's figure minus `off`'s. Under valgrind the
proxy runs some 50 times slower, hence the low rate: every exchange is mirrored (none is
dropped at the in-flight cap), the worst case for the in-process mirror.

`--mirrors` as in run.py (`sidecar`, `in-process`, `KIND@DIR` for another checkout). Writes
bench/results/shadow-instructions.json and prints a Markdown table.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import MIRRORS, PYTHON, RESULTS, ROOT, SCENARIOS, free_port, machine, routes_file, wait_port


def total(dump: Path) -> int:
    for line in dump.read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise RuntimeError(f"no totals in {dump}")


def control(pid: int, flag: str) -> None:
    subprocess.run(["callgrind_control", flag, str(pid)], capture_output=True, check=True)


def load(port: int, scenario: str, rate: float, seconds: float) -> int:
    out = subprocess.run([PYTHON, "bench/shadow/load.py", f"http://127.0.0.1:{port}/{scenario}/1/", "--rate",
                          str(rate), "--seconds", str(seconds)], cwd=ROOT, capture_output=True, text=True,
                         check=True, timeout=seconds + 120).stdout
    return int(json.loads(out)["ok"])


def measure(mirror: str, checkout: Path, routes: Path, args: argparse.Namespace, work: Path) -> dict:
    port = free_port()
    out = work / f"{mirror.replace('/', '_')}.callgrind"
    env = {**os.environ, "STRANGLER_ROUTES": str(routes),
           "STRANGLER_STORE": str(Path(tempfile.mkdtemp(prefix="bench-shadow-insn-")) / "routes.sqlite3"),
           "REDIS_URL": "", "STRANGLER_ACCESS_LOG": "0", "STRANGLER_LOG_LEVEL": "WARNING",
           "STRANGLER_SHADOW_SIDECAR": "1" if mirror.startswith("sidecar") else "0"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    process = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--collect-atstart=yes", PYTHON, "-c",
         "from strangler_proxy.cli import main; main()", "proxy", "--port", str(port), "--workers", "1"],
        cwd=checkout, env=env, stderr=open(work / f"{out.name}.log", "wb"))
    try:
        wait_port(port, timeout=300)
        for scenario in SCENARIOS:  # warm-up: imports, pools, the sidecar's start, the dead target's circuit
            load(port, scenario, args.rate, 3)
        time.sleep(2)
        control(process.pid, "-z")
        time.sleep(args.seconds)
        control(process.pid, "-d")
        windows = [("idle", args.seconds, 0)]
        for _ in range(args.rounds):
            for scenario in SCENARIOS:
                control(process.pid, "-z")
                started = time.monotonic()
                answered = load(port, scenario, args.rate, args.seconds)
                control(process.pid, "-d")
                windows.append((scenario, time.monotonic() - started, answered))
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    dumps = sorted(work.glob(f"{out.name}.*[0-9]"), key=lambda path: int(path.suffix[1:]))
    counts = [total(dump) for dump in dumps[:len(windows)]]
    idle_per_second = counts[0] / windows[0][1]
    result: dict = {"idle_instructions_per_second": round(idle_per_second)}
    per_round: dict[str, list[float]] = {scenario: [] for scenario in SCENARIOS}
    for (scenario, seconds, answered), count in zip(windows[1:], counts[1:]):
        per_round[scenario].append((count - idle_per_second * seconds) / answered)
    for scenario, values in per_round.items():
        result[scenario] = {"requests_per_round": args.rate * args.seconds,
                            "instructions_per_request": round(sum(values) / len(values)),
                            "per_round": [round(v) for v in values]}
    off = result["off"]["instructions_per_request"]
    for scenario in SCENARIOS[1:]:
        result[scenario]["shadow_instructions_per_request"] = result[scenario]["instructions_per_request"] - off
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--rounds", type=int, default=2, help="each route's window this many times, in turn")
    parser.add_argument("--mirrors", default="sidecar,in-process")
    args = parser.parse_args()
    mirrors = [m.strip() for m in args.mirrors.split(",") if m.strip()]
    if not mirrors or any(m.partition("@")[0] not in MIRRORS for m in mirrors):
        parser.error(f"--mirrors: expected a comma-separated list of {', '.join(MIRRORS)} (KIND@DIR for another "
                     "checkout)")
    for tool in ("valgrind", "callgrind_control"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed (apt-get install valgrind)")
    work = Path(tempfile.mkdtemp(prefix="bench-shadow-insn-"))
    monolith, slow, down = free_port(), free_port(), free_port()
    routes = routes_file(monolith, slow, down)
    targets = []
    results: dict[str, dict] = {}
    try:
        for port, delay in ((monolith, 0.0), (slow, 1.0)):
            targets.append(subprocess.Popen([PYTHON, "bench/shadow/targets.py", str(port), "--delay", str(delay)],
                                            cwd=ROOT))
            wait_port(port)
        for mirror in mirrors:
            checkout = Path(mirror.partition("@")[2]).resolve() if "@" in mirror else ROOT
            results[mirror] = measure(mirror, checkout, routes, args, work)
            print(f"{mirror}: {results[mirror]}", file=sys.stderr)
    finally:
        for target in targets:
            target.send_signal(signal.SIGTERM)
            target.wait(20)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "shadow-instructions.json").write_text(json.dumps(
        {"machine": machine(), "seconds": args.seconds, "rate": args.rate, "rounds": args.rounds,
         "mirrors": results}, indent=2))
    print(f"machine: {machine()}; valgrind callgrind on the proxy worker, open loop at {args.rate:g} req/s for "
          f"{args.seconds} s per route and round, {args.rounds} rounds, idle subtracted")
    print("| mirror | route | thousand instructions per request (mean) | per round | the shadow's share (minus off) |")
    print("|---|---|---:|---|---:|")
    for mirror, result in results.items():
        for scenario in SCENARIOS:
            entry = result[scenario]
            extra = entry.get("shadow_instructions_per_request")
            rounds = ", ".join(f"{v / 1000:.1f}" for v in entry["per_round"])
            print(f"| {mirror} | {scenario} | {entry['instructions_per_request'] / 1000:.1f} | {rounds} | "
                  f"{'-' if extra is None else f'{extra / 1000:+.1f}'} |")


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
