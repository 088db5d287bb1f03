"""The evidence a cut-over needs: `strangler flip ROUTE extracted` is refused without it.

A route may go to `extracted` when at least `min_compared` of its requests were compared
and at most `max_mismatch_percent` of them were real mismatches (noise excluded), both from
the route's [routes.gate] table or STRANGLER_GATE_* (defaults 1000 and 0.1 %). `--force`
(or `"force": true` in the admin API) flips anyway and writes why into the audit log.

Every source of the route's results counts: the live shadow, the reverse shadow of a canary,
and replays (`strangler replay`, `strangler compare --requests`) unless run with --no-record.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from strangler_proxy.config import ProxySettings
from strangler_proxy.routing.model import RouteSpec
from strangler_proxy.shadow.config import ShadowSettings
from strangler_proxy.shadow.results import open_results
from strangler_proxy.shadow.results.base import ResultsStore
from strangler_proxy.shadow.results.model import SHADOW, RouteResults, summarise

__all__ = ["GateVerdict", "gate_evidence", "gate_evidence_from", "gate_verdict"]


@dataclass(frozen=True)
class GateVerdict:
    """Whether a route's shadow results allow the cut-over, and the numbers behind the answer."""

    route: str
    compared: int
    mismatched: int
    noise: int
    errors: int
    min_compared: int
    max_mismatch_percent: float
    sources: Mapping[str, int] = field(default_factory=dict)  # compared requests per source

    @property
    def mismatch_percent(self) -> float:
        """Return real mismatches per 100 compared requests."""
        return 100.0 * self.mismatched / self.compared if self.compared else 0.0

    @property
    def allowed(self) -> bool:
        """Whether there is enough evidence, and it is good enough."""
        return self.compared >= self.min_compared and self.mismatch_percent <= self.max_mismatch_percent

    def explain(self) -> str:
        """Say in one line why the gate is open or closed."""
        numbers = (f"{self.compared} compared (needs {self.min_compared}), {self.mismatched} mismatched = "
                   f"{self.mismatch_percent:.3g}% (at most {self.max_mismatch_percent:g}%), "
                   f"{self.noise} noise only, {self.errors} without an answer")
        if any(source != SHADOW for source in self.sources):
            numbers += "; compared by source: " + ", ".join(f"{s} {n}" for s, n in self.sources.items())
        if self.allowed:
            return f"route {self.route!r} has the evidence: {numbers}"
        if self.compared < self.min_compared:
            return f"route {self.route!r} has too little shadow evidence: {numbers}"
        return f"route {self.route!r} differs too often from the monolith: {numbers}"

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {"allowed": self.allowed, "compared": self.compared, "mismatched": self.mismatched,
                "noise": self.noise, "errors": self.errors, "mismatch_percent": round(self.mismatch_percent, 6),
                "min_compared": self.min_compared, "max_mismatch_percent": self.max_mismatch_percent,
                "sources": dict(self.sources), "explanation": self.explain()}


def gate_verdict(route: RouteSpec, results: RouteResults, settings: ShadowSettings) -> GateVerdict:
    """Judge a route's results against its gate."""
    gate = route.shadow.gate if route.shadow is not None else None
    min_compared = gate.min_compared if gate is not None and gate.min_compared is not None \
        else settings.gate_min_compared
    max_percent = gate.max_mismatch_percent if gate is not None and gate.max_mismatch_percent is not None \
        else settings.gate_max_mismatch_percent
    return GateVerdict(route.id, results.compared, results.mismatched, results.noise, results.error_total,
                       min_compared, max_percent, {s.source: s.compared for s in results.sources.values()})


def gate_evidence(results: ResultsStore, settings: ShadowSettings) -> Callable[[RouteSpec], str | None]:
    """Return the check the control plane runs before a flip to `extracted`: None, or why not."""

    def check(route: RouteSpec) -> str | None:
        verdict = gate_verdict(route, summarise(results.route_data(route.id)), settings)
        return None if verdict.allowed else verdict.explain()

    return check


def gate_evidence_from(settings: ProxySettings, store_kind: str) -> Callable[[RouteSpec], str | None]:
    """Return the gate check for a command: it opens the results store only when a flip needs it."""

    def check(route: RouteSpec) -> str | None:
        shadow = ShadowSettings.from_env()
        results = open_results(settings, store_kind)
        try:
            return gate_evidence(results, shadow)(route)
        finally:
            results.close()

    return check
