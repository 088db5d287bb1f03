"""The proxy's Prometheus counters flattened into (route, backend, name) -> value, and their deltas.

The same flattening serves two readers: the sampler reads one worker's own counters (its
private registry, or in multiprocess mode only the files prometheus-client writes for this
pid) and the live overview reads the registry that adds up every worker. Names:

    requests           responses sent, any status
    errors             responses with a 5xx status (the proxy's own 502/503/504 included)
    latency_sum        seconds, summed
    le:<bound>         responses in that latency bucket (per bucket, not cumulative)
    fallbacks          answered by the monolith after `backend` failed
    mirror:<outcome>   shadow mirror outcomes (sent, failed, skipped, dropped, error); backend ""
    shadow:<result>    shadow comparisons (matched, mismatched, noise) as the worker classified
                       them then; the shadow report reclassifies with today's noise model

Requests to the proxy's own reserved paths (route "_strangler") are left out: the dashboard
polling itself is not traffic.
"""
from __future__ import annotations

import glob
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping

from prometheus_client import Metric
from prometheus_client.multiprocess import MultiProcessCollector

from strangler_proxy.metrics import ProxyMetrics

__all__ = ["SampleKey", "delta", "flatten", "own_counters"]

SampleKey = tuple[str, str, str]
_RESERVED_ROUTE = "_strangler"


def own_counters(metrics: ProxyMetrics) -> dict[SampleKey, float]:
    """Return this process's cumulative counters, including those other modules registered beside the proxy's."""
    if metrics.registry is not None:
        return flatten(metrics.registry.collect())
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        families: list[Metric] = []
        for metric in (metrics.requests, metrics.latency, metrics.fallbacks, metrics.mirrors):
            families.extend(metric.collect())
        return flatten(families)
    # prometheus-client names each process's files <kind>_<pid>.db.
    files = glob.glob(os.path.join(glob.escape(directory), f"*_{os.getpid()}.db"))
    return flatten(MultiProcessCollector.merge(files, accumulate=True))


def flatten(families: Iterable[Metric]) -> dict[SampleKey, float]:
    """Return cumulative values by (route, backend, name) from collected metric families."""
    values: dict[SampleKey, float] = defaultdict(float)
    cumulative_buckets: dict[tuple[str, str], list[tuple[float, str, float]]] = defaultdict(list)
    for family in families:
        for sample in family.samples:
            labels = sample.labels
            route = labels.get("route")
            if route is None or route == _RESERVED_ROUTE:
                continue
            name = sample.name
            if name == "strangler_requests_total":
                backend = labels["backend"]
                values[(route, backend, "requests")] += sample.value
                if labels.get("status", "").startswith("5"):
                    values[(route, backend, "errors")] += sample.value
            elif name == "strangler_request_duration_seconds_sum":
                values[(route, labels["backend"], "latency_sum")] += sample.value
            elif name == "strangler_request_duration_seconds_bucket":
                le = labels["le"]
                cumulative_buckets[(route, labels["backend"])].append((float(le), le, sample.value))
            elif name == "strangler_fallbacks_total":
                values[(route, labels["backend"], "fallbacks")] += sample.value
            elif name == "strangler_mirror_total":
                values[(route, "", f"mirror:{labels['outcome']}")] += sample.value
            elif name == "strangler_shadow_comparisons_total":
                values[(route, "", f"shadow:{labels['result']}")] += sample.value
    # Several workers' samples of one bucket arrive separately: add them before differencing.
    for (route, backend), rows in cumulative_buckets.items():
        merged: dict[str, tuple[float, float]] = {}
        for bound, le, value in rows:
            previous = merged.get(le, (bound, 0.0))
            merged[le] = (bound, previous[1] + value)
        below = 0.0
        for le, (bound, cumulative) in sorted(merged.items(), key=lambda item: item[1][0]):
            values[(route, backend, f"le:{le}")] += cumulative - below
            below = cumulative
    return {key: value for key, value in values.items() if value}


def delta(previous: Mapping[SampleKey, float], current: Mapping[SampleKey, float]) -> dict[SampleKey, float]:
    """Return what each counter gained since `previous`, leaving out the ones that did not move.

    A counter that went down was reset (its process restarted), so all of its value is new.
    """
    gained: dict[SampleKey, float] = {}
    for key, value in current.items():
        change = value - previous.get(key, 0.0)
        if change < 0:
            change = value
        if change > 0:
            gained[key] = change
    return gained
