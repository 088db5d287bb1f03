"""Per-route and per-backend figures from flattened counters: requests, split, errors, latency, fallbacks."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from strangler_proxy.dashboard.counters import SampleKey
from strangler_proxy.dashboard.histogram import quantile_ms

__all__ = ["backend_summaries", "latency_buckets", "route_summaries"]


def latency_buckets(values: Mapping[SampleKey, float], *, route: str | None = None,
                    backend: str | None = None) -> list[tuple[float, float]]:
    """Return (upper bound, count) pairs over the rows of one route and/or backend."""
    merged: dict[float, float] = defaultdict(float)
    for (r, b, name), value in values.items():
        if name.startswith("le:") and (route is None or r == route) and (backend is None or b == backend):
            merged[float(name[3:])] += value
    return sorted(merged.items())


def _figures(requests: float, errors: float, latency_sum: float, buckets: list[tuple[float, float]]) -> dict[str, Any]:
    return {
        "requests": int(requests),
        "errors": int(errors),
        "error_rate": round(errors / requests, 4) if requests else None,
        "mean_ms": round(1000 * latency_sum / requests, 3) if requests else None,
        "p50_ms": quantile_ms(buckets, 0.50),
        "p95_ms": quantile_ms(buckets, 0.95),
        "p99_ms": quantile_ms(buckets, 0.99),
    }


def route_summaries(values: Mapping[SampleKey, float]) -> dict[str, dict[str, Any]]:
    """Return, per route: figures, requests by backend, fallbacks, shadow mirror outcomes and comparisons."""
    totals: dict[str, dict[str, Any]] = defaultdict(lambda: {
        "requests": 0.0, "errors": 0.0, "latency_sum": 0.0, "fallbacks": 0.0,
        "by_backend": defaultdict(float), "mirror": defaultdict(float), "shadow": defaultdict(float)})
    for (route, backend, name), value in values.items():
        entry = totals[route]
        if name == "requests":
            entry["requests"] += value
            entry["by_backend"][backend] += value
        elif name in ("errors", "latency_sum", "fallbacks"):
            entry[name] += value
        elif name.startswith("mirror:"):
            entry["mirror"][name[7:]] += value
        elif name.startswith("shadow:"):
            entry["shadow"][name[7:]] += value
    result = {}
    for route, entry in totals.items():
        figures = _figures(entry["requests"], entry["errors"], entry["latency_sum"],
                           latency_buckets(values, route=route))
        figures["by_backend"] = {b: int(n) for b, n in sorted(entry["by_backend"].items())}
        figures["fallbacks"] = int(entry["fallbacks"])
        figures["mirror"] = {o: int(n) for o, n in sorted(entry["mirror"].items())}
        figures["shadow"] = {r: int(n) for r, n in sorted(entry["shadow"].items())}
        result[route] = figures
    return result


def backend_summaries(values: Mapping[SampleKey, float]) -> dict[str, dict[str, Any]]:
    """Return, per backend: figures, and the fallbacks it caused (it failed, the monolith answered)."""
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for (_, backend, name), value in values.items():
        if backend and name in ("requests", "errors", "latency_sum", "fallbacks"):
            totals[backend][name] += value
    result = {}
    for backend, entry in totals.items():
        figures = _figures(entry["requests"], entry["errors"], entry["latency_sum"],
                           latency_buckets(values, backend=backend))
        figures["fallbacks"] = int(entry["fallbacks"])
        result[backend] = figures
    return result
