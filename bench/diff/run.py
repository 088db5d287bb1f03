"""Diff engine benchmark: the same findings as DeepDiff on a shop corpus, and the speed of both.

    .venv/bin/python -m bench.diff.run [--pairs 90] [--rounds 3] [--seed 20250301]

1. Builds the deterministic corpus (corpus.py) and compares every pair with the engine and with
   DeepDiff: without rules; with realistic rules (volatile fields ignored, a numeric tolerance),
   given to DeepDiff as exclude_regex_paths and math_epsilon; and with the same rules on the
   corpus with booleans written as strings, where the engine skips `==`-equal subtrees.
2. Asserts that the engine's (kind, path) findings equal DeepDiff's, translated
   (deepdiff_map.py), on every pair of every case.
3. Times both side by side, pair by pair, on the same decoded documents; also the engine from
   response bytes (compare_responses, parsing included) against json.loads + DeepDiff.
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
from strangler_proxy.diff.json_diff import diff_documents

RULES = CompareRules.from_mapping({
    "ignore": ["/request_id", "/generated_at", "/results/*/updated_at"],
    "tolerances": {"/results/*/rating": {"absolute": 0.005}},
})
DEEPDIFF_RULES = {
    "exclude_regex_paths": [r"^root\['(request_id|generated_at)'\]$", r"^root\['results'\]\[\d+\]\['updated_at'\]$"],
    "math_epsilon": 0.005,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=90)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20250301)
    parser.add_argument("--min-speedup", type=float, default=10.0)
    args = parser.parse_args(argv)

    corpus = build_corpus(args.pairs, args.seed)
    print(_machine())
    print(_describe(corpus))

    failures = 0
    rows = []
    boolean_free = [Pair(p.name, without_booleans(p.primary), without_booleans(p.candidate)) for p in corpus]
    cases = [
        # (label, pairs, engine, DeepDiff options)
        ("compare_json, no rules", corpus, lambda a, b: compare_json(a, b), {}),
        ("compare_json, rules", corpus, lambda a, b: compare_json(a, b, RULES), DEEPDIFF_RULES),
        # What compare_responses does for bodies that hold no true/false: skip `==`-equal subtrees.
        ("bodies without booleans, rules (`==` skips equal subtrees)", boolean_free,
         lambda a, b: diff_documents(a, b, RULES, boolean_free=True), DEEPDIFF_RULES),
    ]
    for label, pairs, engine, options in cases:
        ours_times, theirs_times, reports = _side_by_side(
            [(p.primary, p.candidate) for p in pairs], engine,
            lambda a, b, o=options: run_deepdiff(a, b, **o), args.rounds)
        failures += _check_findings(label, pairs, engine, reports)
        rows.append((label, ours_times, theirs_times))

    ours_times, theirs_times, _ = _side_by_side(
        [(_snapshot(p.primary), _snapshot(p.candidate)) for p in corpus],
        lambda a, b: compare_responses(a, b, RULES),
        lambda a, b: run_deepdiff(json.loads(a.body), json.loads(b.body), **DEEPDIFF_RULES),
        args.rounds,
    )
    rows.append(("compare_responses from bytes (json.loads included), rules", ours_times, theirs_times))

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
    snapshots = [(_snapshot(p.primary), _snapshot(p.candidate)) for p in corpus]
    parsing = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        for primary, candidate in snapshots:
            json.loads(primary.body), json.loads(candidate.body)
        parsing.append(time.perf_counter() - start)
    print(f"\nfor scale: json.loads of both bodies alone takes {statistics.median(parsing) / len(corpus) * 1e6:,.0f} µs/pair")
    if slowest < args.min_speedup:
        print(f"FAIL: the engine is only {slowest:.1f} times faster than DeepDiff (wanted {args.min_speedup})")
        failures += 1
    print("findings: " + ("IDENTICAL to DeepDiff on every pair" if not failures else f"{failures} problem(s)"))
    return 1 if failures else 0


def _side_by_side(pairs: list[tuple[Any, Any]], ours: Callable[[Any, Any], Any], theirs: Callable[[Any, Any], Any],
                  rounds: int) -> tuple[list[float], list[float], list[Any]]:
    """Time both on every pair, back to back, so load on a shared machine hits both alike.

    Return each round's total seconds for ours and theirs, and theirs' results of round one.
    """
    ours_totals, theirs_totals, results = [], [], []
    clock = time.perf_counter
    for round_number in range(rounds):
        ours_total = theirs_total = 0.0
        for index, (a, b) in enumerate(pairs):
            if (index + round_number) % 2:
                start = clock()
                ours(a, b)
                middle = clock()
                result = theirs(a, b)
                end = clock()
                ours_total += middle - start
                theirs_total += end - middle
            else:
                start = clock()
                result = theirs(a, b)
                middle = clock()
                ours(a, b)
                end = clock()
                theirs_total += middle - start
                ours_total += end - middle
            if round_number == 0:
                results.append(result)
        ours_totals.append(ours_total)
        theirs_totals.append(theirs_total)
    return ours_totals, theirs_totals, results


def _check_findings(name: str, corpus: list[Pair], engine: Callable[[Any, Any], Any], reports: list[Any]) -> int:
    problems = 0
    kinds: Counter[str] = Counter()
    differing = 0
    for pair, report in zip(corpus, reports, strict=True):
        ours = {(d.kind.value, d.path) for d in engine(pair.primary, pair.candidate)}
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
