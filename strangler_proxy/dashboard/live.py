"""The overview the page polls: every route with its mode and live figures, backends with their circuits.

Figures come from the Prometheus registry that adds up every worker (multiprocess mode) or
from this worker's own registry; modes come from the route store, so a flip made anywhere
(the CLI, another worker) shows on the next poll.
"""
from __future__ import annotations

import asyncio
import os
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Metric

from strangler_proxy.control import route_rows
from strangler_proxy.dashboard.counters import flatten
from strangler_proxy.dashboard.summary import backend_summaries, route_summaries
from strangler_proxy.errors import StoreUnavailable
from strangler_proxy.forwarding.circuit import STATE_VALUES
from strangler_proxy.metrics import ProxyMetrics
from strangler_proxy.routing.model import MONOLITH
from strangler_proxy.store.base import RouteStore

if TYPE_CHECKING:  # the server package imports the dashboard
    from strangler_proxy.server.state import StateHolder

__all__ = ["Overview"]

_CIRCUIT_NAMES = {value: name for name, value in STATE_VALUES.items()}


class Overview:
    """Build the overview document for one worker."""

    def __init__(self, *, holder: StateHolder, store: RouteStore, metrics: ProxyMetrics,
                 sample_seconds: int, samples_kind: str) -> None:
        self._holder = holder
        self._store = store
        self._metrics = metrics
        self._sample_seconds = sample_seconds
        self._samples_kind = samples_kind

    async def build(self) -> dict[str, Any]:
        """Return routes, backends, totals and the store's state."""
        current = self._holder.current
        store_problem = None
        try:
            snapshot = await asyncio.to_thread(self._store.snapshot)
        except StoreUnavailable as error:
            # Show what this worker serves; the page says the store is down.
            snapshot, store_problem = current.snapshot, str(error)
        families = list(self._registry().collect())
        values = flatten(families)
        by_route = route_summaries(values)
        by_backend = backend_summaries(values)
        table = current.table
        routes = []
        for row in route_rows(table, snapshot):
            row["live"] = by_route.pop(row["id"], None)
            routes.append(row)
        circuits = _instances(families)
        backends = []
        for name in [MONOLITH, *sorted(n for n in table.backends if n != MONOLITH)]:
            spec = table.backends.get(name)
            backends.append({
                "name": name,
                "urls": list(spec.urls) if spec is not None else [],
                "live": by_backend.get(name),
                "instances": circuits.get(name, []),
            })
        return {
            "pid": os.getpid(),
            "routes_file": table.source,
            "store": self._store.kind,
            "store_problem": store_problem,
            "version": snapshot.version,
            "applied_version": current.version,
            "kill_switch": snapshot.kill_switch,
            "sample_seconds": self._sample_seconds,
            "samples": self._samples_kind,
            "multiprocess": self._metrics.multiprocess,
            "routes": routes,
            # Requests no route names ("default") and routes gone from the table since.
            "other_routes": [{"id": route, "live": figures} for route, figures in sorted(by_route.items())],
            "backends": backends,
            "totals": _totals(values),
        }

    def _registry(self) -> CollectorRegistry:
        if self._metrics.registry is not None:
            return self._metrics.registry
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry


def _instances(families: list[Metric]) -> dict[str, list[dict[str, Any]]]:
    found: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
    for family in families:
        for sample in family.samples:
            if sample.name == "strangler_circuit_state":
                key = (sample.labels["backend"], sample.labels["instance"])
                found[key]["circuit"] = _CIRCUIT_NAMES.get(int(sample.value), "unknown")
            elif sample.name == "strangler_instance_healthy":
                key = (sample.labels["backend"], sample.labels["instance"])
                found[key]["healthy"] = bool(sample.value)
    result: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (backend, url), state in sorted(found.items()):
        result[backend].append({"url": url, "circuit": state.get("circuit", "unknown"),
                                "healthy": state.get("healthy")})
    return result


def _totals(values: dict[tuple[str, str, str], float]) -> dict[str, int]:
    totals: dict[str, float] = defaultdict(float)
    for (_, _, name), value in values.items():
        if name in ("requests", "errors", "fallbacks"):
            totals[name] += value
    return {name: int(totals[name]) for name in ("requests", "errors", "fallbacks")}
