"""Gather what every report shows: per route, its results, its gate and its kept examples."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from strangler_proxy.diff import CompareRules
from strangler_proxy.routing.model import RouteTable
from strangler_proxy.shadow.config import ShadowSettings
from strangler_proxy.shadow.gate import GateVerdict, gate_verdict
from strangler_proxy.shadow.results.base import ResultsStore
from strangler_proxy.shadow.results.model import RouteResults, Sample, summarise
from strangler_proxy.shadow.suggest import suggested_rules

__all__ = ["RouteReport", "route_reports"]


@dataclass(frozen=True)
class RouteReport:
    """One route's results, gate, suggestion and examples."""

    route: str
    backend: str | None
    results: RouteResults
    gate: GateVerdict | None  # None for a route no longer in the table
    suggestion: str
    samples: list[Sample]

    def to_dict(self, *, with_samples: bool = True) -> dict[str, Any]:
        """Return the JSON form."""
        data = {"route": self.route, "backend": self.backend, **self.results.to_dict(),
                "gate": self.gate.to_dict() if self.gate is not None else None,
                "suggestion": self.suggestion}
        if with_samples:
            data["samples"] = [s.to_dict() for s in self.samples]
        return data


def route_reports(table: RouteTable, results: ResultsStore, settings: ShadowSettings, *,
                  routes: Iterable[str] | None = None, samples: int = 0) -> list[RouteReport]:
    """Return reports for the given routes, else for every route that can be shadowed or has results."""
    if routes is None:
        wanted = sorted({r.id for r in table.routes if r.backend is not None} | set(results.routes()))
    else:
        wanted = list(routes)
    reports = []
    for route_id in wanted:
        spec = table.route(route_id)
        summary = summarise(results.route_data(route_id))
        rules = spec.shadow.rules if spec is not None and spec.shadow is not None else None
        reports.append(RouteReport(
            route=route_id, backend=spec.backend if spec is not None else None, results=summary,
            gate=gate_verdict(spec, summary, settings) if spec is not None else None,
            suggestion=suggested_rules(route_id, rules or CompareRules(), summary),
            samples=results.samples(route_id, limit=samples) if samples else []))
    return reports
