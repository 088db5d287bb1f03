"""Chart data from stored samples: one array per series, one value per step of the window."""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from strangler_proxy.dashboard.counters import SampleKey
from strangler_proxy.dashboard.histogram import quantile_ms
from strangler_proxy.dashboard.store.base import SampleRow
from strangler_proxy.dashboard.summary import route_summaries

__all__ = ["MAX_POINTS", "Window", "timeline", "window_for"]

# More points than a chart is wide in pixels would only cost bytes.
MAX_POINTS = 240


class Window:
    """The buckets a chart covers: [since, until) in steps that are a multiple of the sampling interval."""

    def __init__(self, since: int, until: int, step: int) -> None:
        self.since, self.until, self.step = since, until, step

    @property
    def starts(self) -> list[int]:
        """Return every step's start."""
        return list(range(self.since, self.until, self.step))


def window_for(*, now: float, minutes: int, interval: int) -> Window:
    """Return the window of the last `minutes`, ending where the newest complete interval ends."""
    span = minutes * 60
    step = interval * max(1, math.ceil(span / interval / MAX_POINTS))
    # The interval in progress is written only when it ends: leave it out rather than draw a dip.
    until = int(now // step) * step
    since = until - step * max(1, span // step)
    return Window(since, until, step)


def timeline(rows: Iterable[SampleRow], window: Window, *, recent_seconds: int) -> dict[str, Any]:
    """Return per-step arrays by backend and route, shadow outcomes and mismatch rate, and the recent split."""
    starts = window.starts
    index = {start: n for n, start in enumerate(starts)}
    size = len(starts)

    def zeros() -> list[float]:
        return [0] * size

    backends: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(zeros))
    routes: dict[str, dict[str, Any]] = defaultdict(lambda: {"requests": defaultdict(zeros), "errors": zeros()})
    latency: dict[str, list[dict[float, float]]] = defaultdict(lambda: [defaultdict(float) for _ in range(size)])
    mirror: dict[str, list[float]] = defaultdict(zeros)
    compared: dict[str, list[float]] = defaultdict(zeros)
    recent: dict[SampleKey, float] = defaultdict(float)
    recent_since = window.until - recent_seconds
    for start, route, backend, name, value in rows:
        n = index.get(start)
        if n is None:
            continue
        if start >= recent_since:
            recent[(route, backend, name)] += value
        if name in ("requests", "errors", "fallbacks"):
            backends[backend][name][n] += value
            if name == "requests":
                routes[route]["requests"][backend][n] += value
            elif name == "errors":
                routes[route]["errors"][n] += value
        elif name.startswith("le:"):
            latency[backend][n][float(name[3:])] += value
        elif name.startswith("mirror:"):
            mirror[name[7:]][n] += value
        elif name.startswith("shadow:"):
            compared[name[7:]][n] += value
    for backend, steps in latency.items():
        series = backends[backend]
        for label, q in (("p50_ms", 0.50), ("p95_ms", 0.95), ("p99_ms", 0.99)):
            series[label] = [quantile_ms(buckets.items(), q) for buckets in steps]
    return {
        "since": window.since,
        "until": window.until,
        "step_seconds": window.step,
        "buckets": starts,
        "backends": {b: {k: _numbers(v) for k, v in sorted(s.items())} for b, s in sorted(backends.items())},
        "routes": {r: {"requests": {b: _numbers(v) for b, v in sorted(s["requests"].items())},
                       "errors": _numbers(s["errors"])} for r, s in sorted(routes.items())},
        "mirror": {o: _numbers(v) for o, v in sorted(mirror.items())},
        "shadow": _shadow(compared, size),
        "recent": {"seconds": recent_seconds, "routes": route_summaries(recent)},
    }


def _shadow(compared: dict[str, list[float]], size: int) -> dict[str, list[float | None]] | None:
    """Return compared and mismatched counts and the mismatch rate per step; None if nothing was compared."""
    if not compared:
        return None
    totals = [sum(series[n] for series in compared.values()) for n in range(size)]
    mismatched = compared.get("mismatched", [0] * size)
    return {
        "compared": _numbers(totals),
        "mismatched": _numbers(list(mismatched)),
        "mismatch_rate": [round(mismatched[n] / totals[n], 6) if totals[n] else None for n in range(size)],
    }


def _numbers(values: list[float | None]) -> list[float | None]:
    """Return counts as integers where they are whole, so the JSON stays small."""
    return [v if v is None or v != int(v) else int(v) for v in values]
