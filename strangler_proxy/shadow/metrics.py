"""The shadow's Prometheus series, beside the proxy's own and correct across workers the same way.

    strangler_mirror_total{route, outcome}                  what happened to each shadowed exchange:
        sent, failed, skipped, dropped, sampled_out, error   (the proxy's BackendMirror counts the same)
    strangler_shadow_comparisons_total{route, result}       matched, mismatched, noise (classified with
                                                            the noise model as this worker last read it)
    strangler_shadow_duration_seconds{route, side}          time to the last byte: monolith, extracted

The shadow sidecar (sidecar.py) has no series of its own: it totals the same counts in a
`ShadowTally` and reports them to its proxy worker, which adds them here (`ShadowMetrics.add`).
"""
from __future__ import annotations

import bisect
from typing import Any, Protocol

from prometheus_client import Counter, Histogram

from strangler_proxy.metrics import LATENCY_BUCKETS, ProxyMetrics

__all__ = ["ShadowCounters", "ShadowMetrics", "ShadowTally", "TallyReport"]

# ({(route, outcome): n}, {(route, result): n}, {(route, side): [sum, count per bucket..., +Inf]})
TallyReport = tuple[dict[tuple[str, str], int], dict[tuple[str, str], int], dict[tuple[str, str], list[float]]]


class ShadowCounters(Protocol):
    """What the comparing mirror counts."""

    def outcome(self, route: str, outcome: str) -> None:
        """Count an exchange's fate (strangler_mirror_total)."""

    def compared(self, route: str, result: str) -> None:
        """Count a comparison's result."""

    def took(self, route: str, side: str, seconds: float) -> None:
        """Observe how long a side took."""


class ShadowMetrics:
    """Counters and histograms of the comparing mirror, registered where the proxy's are."""

    def __init__(self, metrics: ProxyMetrics) -> None:
        self.mirrors = metrics.mirrors
        registry = metrics.registry
        self.comparisons = Counter("strangler_shadow_comparisons", "Shadow comparisons by route and result.",
                                   ["route", "result"], registry=registry)
        self.duration = Histogram("strangler_shadow_duration_seconds",
                                  "Shadowed exchanges: time to the last byte by route and side.",
                                  ["route", "side"], buckets=LATENCY_BUCKETS, registry=registry)
        self._children: dict[tuple[str, str, str], Any] = {}

    def outcome(self, route: str, outcome: str, n: int = 1) -> None:
        """Count an exchange's fate (strangler_mirror_total)."""
        self._child("m", route, outcome).inc(n)

    def compared(self, route: str, result: str, n: int = 1) -> None:
        """Count a comparison's result."""
        self._child("c", route, result).inc(n)

    def took(self, route: str, side: str, seconds: float) -> None:
        """Observe how long a side took."""
        self._child("d", route, side).observe(seconds)

    def add(self, report: TallyReport) -> None:
        """Add what a sidecar totalled since its last report."""
        outcomes, comparisons, durations = report
        for (route, outcome), n in outcomes.items():
            self.outcome(route, outcome, n)
        for (route, result), n in comparisons.items():
            self.compared(route, result, n)
        for (route, side), totals in durations.items():
            # prometheus-client has no batch observe; these are the values its observe() adds to.
            child = self._child("d", route, side)
            child._sum.inc(totals[0])
            for bucket, added in zip(child._buckets, totals[1:]):
                if added:
                    bucket.inc(added)

    def _child(self, family: str, route: str, label: str) -> Any:
        key = (family, route, label)
        child = self._children.get(key)
        if child is None:
            metric = {"m": self.mirrors, "c": self.comparisons, "d": self.duration}[family]
            child = self._children[key] = metric.labels(route, label)
        return child


class ShadowTally:
    """The same counts as plain totals, taken and reset as a report (the sidecar's counters)."""

    def __init__(self) -> None:
        self._outcomes: dict[tuple[str, str], int] = {}
        self._comparisons: dict[tuple[str, str], int] = {}
        self._durations: dict[tuple[str, str], list[float]] = {}

    def outcome(self, route: str, outcome: str) -> None:
        key = (route, outcome)
        self._outcomes[key] = self._outcomes.get(key, 0) + 1

    def compared(self, route: str, result: str) -> None:
        key = (route, result)
        self._comparisons[key] = self._comparisons.get(key, 0) + 1

    def took(self, route: str, side: str, seconds: float) -> None:
        totals = self._durations.get((route, side))
        if totals is None:
            totals = self._durations[(route, side)] = [0.0] * (len(LATENCY_BUCKETS) + 2)
        totals[0] += seconds
        # Prometheus buckets hold values <= their bound: the first bound >= seconds (or +Inf).
        totals[1 + bisect.bisect_left(LATENCY_BUCKETS, seconds)] += 1

    def __bool__(self) -> bool:
        return bool(self._outcomes or self._comparisons or self._durations)

    def take(self) -> TallyReport:
        """Return the totals since the last call and start again from zero."""
        report = (self._outcomes, self._comparisons, self._durations)
        self._outcomes, self._comparisons, self._durations = {}, {}, {}
        return report
