"""The shadow's Prometheus series, beside the proxy's own and correct across workers the same way.

    strangler_mirror_total{route, outcome}                  what happened to each shadowed exchange:
        sent, failed, skipped, dropped, sampled_out, error   (the proxy's BackendMirror counts the same)
    strangler_shadow_comparisons_total{route, result}       matched, mismatched, noise (classified with
                                                            the noise model as this worker last read it)
    strangler_shadow_duration_seconds{route, side}          time to the last byte: monolith, extracted
"""
from __future__ import annotations

from typing import Any

from prometheus_client import Counter, Histogram

from strangler_proxy.metrics import LATENCY_BUCKETS, ProxyMetrics

__all__ = ["ShadowMetrics"]


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

    def outcome(self, route: str, outcome: str) -> None:
        """Count an exchange's fate (strangler_mirror_total)."""
        self._child("m", route, outcome).inc()

    def compared(self, route: str, result: str) -> None:
        """Count a comparison's result."""
        self._child("c", route, result).inc()

    def took(self, route: str, side: str, seconds: float) -> None:
        """Observe how long a side took."""
        self._child("d", route, side).observe(seconds)

    def _child(self, family: str, route: str, label: str) -> Any:
        key = (family, route, label)
        child = self._children.get(key)
        if child is None:
            metric = {"m": self.mirrors, "c": self.comparisons, "d": self.duration}[family]
            child = self._children[key] = metric.labels(route, label)
        return child
