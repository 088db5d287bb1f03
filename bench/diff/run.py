"""Diff engine benchmark: the same findings as DeepDiff on a shop corpus, and the speed of both.

    .venv/bin/python -m bench.diff.run [--pairs 120] [--rounds 3] [--seed 20250301]

1. Builds the deterministic corpus (corpus.py) and compares every pair with the engine and with
   DeepDiff, in two configurations: no rules, and realistic rules (volatile fields ignored,
   a numeric tolerance) given to DeepDiff as exclude_regex_paths and math_epsilon.
2. Asserts that the engine's (kind, path) findings equal DeepDiff's, translated
   (deepdiff_map.py), on every pair of both configurations.
3. Times both side by side, interleaved round by round, on the same decoded documents; also the
   engine from response bytes (compare_responses, parsing included) against json.loads + DeepDiff.
   Only the DeepDiff call is timed, not the translation. Exits 1 if findings differ or the engine
   is less than --min-speedup times faster.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import deepdiff

from bench.diff.corpus import Pair, build_corpus, without_booleans
from bench.diff.deepdiff_map import run_deepdiff, translate
from strangler_proxy.diff import CompareRules, ResponseSnapshot, compare_json, compare_responses

RULES = CompareRules.from_mapping({
    "ignore": ["/request_id", "/generated_at", "/results/*/updated_at"],
    "tolerances": {"/results/*/rating": {"absolute": 0.005}},
})
DEEPDIFF_RULES = {
    "exclude_regex_paths": [r"^root\['(request_id|generated_at)'\]$", r"^root\['results'\]\[\d+\]\['updated_at'\]$"],
    "math_epsilon": 0.005,
}
CONFIGS: dict[str, tuple[CompareRules, dict[str, Any]]] = {
    "no rules": (CompareRules(), {}),
    "rules": (RULES, DEEPDIFF_RULES),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=120)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20250301)
    parser.add_argument("--min-speedup", type=float, default=10.0)
    args = parser.parse_args(argv)

    corpus = build_corpus(args.pairs, args.seed)
    print(_machine())
    print(_describe(corpus))

    failures = 0
    rows = []
    for name, (rules, options) in CONFIGS.items():
        ours_times, theirs_times, reports = [], [], None
        for round_number in range(args.rounds):
            # Alternate who goes first so drift on a shared machine hits both alike.
            jobs = [("ours", lambda r=rules: _time_ours(corpus, r)),
                    ("theirs", lambda o=options: _time_deepdiff(corpus, o))]
            for who, job in (jobs if round_number % 2 == 0 else jobs[::-1]):
                elapsed, result = job()
                (ours_times if who == "ours" else theirs_times).append(elapsed)
                if who == "theirs" and reports is None:
                    reports = result
        failures += _check_findings(name, corpus, rules, reports)
        rows.append((f"compare_json, {name}", ours_times, theirs_times))

    cases = {
        "compare_responses from bytes, rules": corpus,
        "same, bodies without booleans (`==` skips equal subtrees)": [
            Pair(p.name, without_booleans(p.primary), without_booleans(p.candidate)) for p in corpus],
    }
    for label, pairs in cases.items():
        snapshots = [(_snapshot(p.primary), _snapshot(p.candidate)) for p in pairs]
        ours_bytes, theirs_bytes = [], []
        for round_number in range(args.rounds):
            jobs = [(ours_bytes, lambda s=snapshots: _time_bytes_ours(s)),
                    (theirs_bytes, lambda s=snapshots: _time_bytes_deepdiff(s))]
            for sink, job in (jobs if round_number % 2 == 0 else jobs[::-1]):
                sink.append(job())
        rows.append((label, ours_bytes, theirs_bytes))

    print()
    print(f"| case ({len(corpus)} pairs, median of {args.rounds} rounds) | engine µs/pair | DeepDiff µs/pair "
          f"| speed-up |")
    print("|---|---:|---:|---:|")
    slowest = float("inf")
    for label, ours_times, theirs_times in rows:
        ours, theirs = statistics.median(ours_times), statistics.median(theirs_times)
        speedup = theirs / ours
        slowest = min(slowest, speedup)
        print(f"| {label} | {ours / len(corpus) * 1e6:,.0f} | {theirs / len(corpus) * 1e6:,.0f} | {speedup:,.0f}× |")
    if slowest < args.min_speedup:
        print(f"FAIL: the engine is only {slowest:.1f} times faster than DeepDiff (wanted {args.min_speedup})")
        failures += 1
    print("findings: " + ("IDENTICAL to DeepDiff on every pair" if not failures else f"{failures} problem(s)"))
    return 1 if failures else 0


def _time_ours(corpus: list[Pair], rules: CompareRules) -> tuple[float, list[Any]]:
    results = []
    start = time.perf_counter()
    for pair in corpus:
        results.append(compare_json(pair.primary, pair.candidate, rules))
    return time.perf_counter() - start, results


def _time_deepdiff(corpus: list[Pair], options: dict[str, Any]) -> tuple[float, list[Any]]:
    results = []
    start = time.perf_counter()
    for pair in corpus:
        results.append(run_deepdiff(pair.primary, pair.candidate, **options))
    return time.perf_counter() - start, results


def _time_bytes_ours(snapshots: list[tuple[ResponseSnapshot, ResponseSnapshot]]) -> float:
    start = time.perf_counter()
    for primary, candidate in snapshots:
        compare_responses(primary, candidate, RULES)
    return time.perf_counter() - start


def _time_bytes_deepdiff(snapshots: list[tuple[ResponseSnapshot, ResponseSnapshot]]) -> float:
    start = time.perf_counter()
    for primary, candidate in snapshots:
        run_deepdiff(json.loads(primary.body), json.loads(candidate.body), **DEEPDIFF_RULES)
    return time.perf_counter() - start


def _check_findings(name: str, corpus: list[Pair], rules: CompareRules, reports: list[Any]) -> int:
    problems = 0
    kinds: Counter[str] = Counter()
    differing = 0
    for pair, report in zip(corpus, reports, strict=True):
        ours = {(d.kind.value, d.path) for d in compare_json(pair.primary, pair.candidate, rules)}
        theirs = translate(report, pair.primary, pair.candidate)
        kinds.update(kind for kind, _ in ours)
        differing += bool(ours)
        if ours != theirs:
            problems += 1
            print(f"MISMATCH [{name}] {pair.name} {pair.planted}: engine only {sorted(ours - theirs)[:5]}, "
                  f"DeepDiff only {sorted(theirs - ours)[:5]}")
    total = sum(kinds.values())
    print(f"[{name}] {differing} of {len(corpus)} pairs differ; {total} findings "
          f"({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))}); "
          f"{'same as DeepDiff on every pair' if not problems else f'{problems} pairs differ from DeepDiff'}")
    return problems


def _snapshot(document: Any) -> ResponseSnapshot:
    return ResponseSnapshot(200, {"Content-Type": "application/json"}, json.dumps(document).encode())


def _describe(corpus: list[Pair]) -> str:
    sizes = [len(json.dumps(p.primary)) for p in corpus]
    planted = Counter(label for p in corpus for label in p.planted)
    return (f"corpus: {len(corpus)} pairs, bodies {min(sizes):,}-{max(sizes):,} bytes (mean {statistics.mean(sizes):,.0f}); "
            f"{sum(1 for p in corpus if p.planted)} pairs with planted changes: "
            + ", ".join(f"{k} ×{n}" for k, n in sorted(planted.items())))


def _machine() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            model = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (f"machine: {model}, {os.cpu_count()} cores (shared), {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; DeepDiff {deepdiff.__version__}")


if __name__ == "__main__":
    sys.exit(main())
