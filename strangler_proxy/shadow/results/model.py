"""What the shadow keeps per route, and how a report is computed from it.

A worker gathers a `ResultsBatch` (counts to add, examples to keep) and a store adds it to
the shared totals. Nothing is classified when it is written: each compared request is
counted under its *signature*, the set of fields that differed, and noise is decided when
the results are read, with the noise model as it is then. So a timestamp that looked real
before the first noise probes were counted becomes noise in every later report, and the
cut-over gate always judges with everything learned so far.

A field is noise only with evidence: it must have differed between two monolith answers
at least once, and the diff engine's noise model must not find it clearly more frequent
against the extracted side. A field never seen differing between monolith answers is
real however rare it is; otherwise a bug in 0.5% of requests would hide under the noise
model's 1% margin and slip through a 0.1% cut-over gate.

Counters (`RouteData.counts`) are named `<what>` or `<what>.<why>`:

    noise_probes           monolith-vs-monolith comparisons made (the noise model's n0)
    errors.<kind>          the extracted side gave no answer: timeout, unreachable, unavailable
    probe_errors.<kind>    the second monolith call gave no answer (the exchange is still compared)
    skipped.<why>          not mirrored: body_too_large, unsafe_method, no_backend
    dropped.<why>          not mirrored because of load: overload (in-flight cap), shutdown
    sampled_out            not mirrored because the sample rate left it out
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from strangler_proxy.diff import Comparison, NoiseModel
from strangler_proxy.shadow.results.latency import quantile_ms

__all__ = [
    "MAX_FIELDS_PER_ROUTE",
    "MAX_SIGNATURES_PER_ROUTE",
    "OVERFLOW",
    "SIDES",
    "FieldResult",
    "ResultsBatch",
    "RouteData",
    "RouteResults",
    "Sample",
    "field_is_real",
    "signature_fields",
    "signature_of",
    "summarise",
]

SIDES = ("monolith", "extracted")
# Stands for "more fields than we keep": never counted by the noise model, so never noise.
OVERFLOW = "…"
MAX_SIGNATURE_FIELDS = 20
MAX_FIELDS_PER_COMPARISON = 50
MAX_SIGNATURES_PER_ROUTE = 1000
MAX_FIELDS_PER_ROUTE = 5000
MATCHED = "[]"


def field_is_real(model: NoiseModel, name: str) -> bool:
    """Whether a differing field counts as a real difference (see the module docstring)."""
    return model.stats(name).noise == 0 or model.is_real(name)


def signature_of(comparison: Comparison) -> str:
    """Return the key a compared request is counted under: its differing fields, as a JSON list."""
    fields = sorted(comparison.fields())
    if len(fields) > MAX_SIGNATURE_FIELDS:
        fields = [*fields[:MAX_SIGNATURE_FIELDS], OVERFLOW]
    return json.dumps(fields, ensure_ascii=False)


def signature_fields(signature: str) -> list[str]:
    """Return the fields of a signature (an unreadable one stands for OVERFLOW)."""
    try:
        fields = json.loads(signature)
    except ValueError:
        return [OVERFLOW]
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        return [OVERFLOW]
    return fields


@dataclass(frozen=True)
class Sample:
    """One kept example: the request, both answers (redacted, cut) and the differences."""

    route: str
    at: str
    signature: str
    request: Mapping[str, Any]  # method, path, request_id, headers
    primary: Mapping[str, Any]  # status, headers, body (text), body_truncated, elapsed_ms
    candidate: Mapping[str, Any]
    differences: list[Mapping[str, Any]]  # Difference.to_dict() each

    def fields(self) -> list[str]:
        """Return the fields this example differs in."""
        return signature_fields(self.signature)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form the stores keep."""
        return {"route": self.route, "at": self.at, "signature": self.signature, "request": dict(self.request),
                "primary": dict(self.primary), "candidate": dict(self.candidate),
                "differences": [dict(d) for d in self.differences]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Sample:
        """Read `to_dict` output back."""
        return cls(str(data["route"]), str(data["at"]), str(data["signature"]), dict(data["request"]),
                   dict(data["primary"]), dict(data["candidate"]), list(data["differences"]))


@dataclass
class ResultsBatch:
    """What one worker gathered since its last flush; stores add it to the shared totals."""

    counts: dict[str, Counter[str]] = field(default_factory=dict)
    signatures: dict[str, Counter[str]] = field(default_factory=dict)
    fields: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    latency: dict[str, Counter[tuple[str, int]]] = field(default_factory=dict)
    samples: list[Sample] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.counts or self.signatures or self.fields or self.latency or self.samples)

    def count(self, route: str, name: str, n: int = 1) -> None:
        """Add to a named counter."""
        self.counts.setdefault(route, Counter())[name] += n

    def compared(self, route: str, comparison: Comparison) -> str:
        """Count a primary-vs-extracted comparison; return its signature."""
        signature = signature_of(comparison)
        self.signatures.setdefault(route, Counter())[signature] += 1
        self._fields(route, comparison, 1)
        return signature

    def noise_probe(self, route: str, comparison: Comparison) -> None:
        """Count a monolith-vs-monolith comparison."""
        self.count(route, "noise_probes")
        self._fields(route, comparison, 0)

    def _fields(self, route: str, comparison: Comparison, side: int) -> None:
        table = self.fields.setdefault(route, {})
        for name in sorted(comparison.fields())[:MAX_FIELDS_PER_COMPARISON]:
            table.setdefault(name, [0, 0])[side] += 1

    def latency_bucket(self, route: str, side: str, bucket: int) -> None:
        """Count one answer's duration bucket."""
        self.latency.setdefault(route, Counter())[(side, bucket)] += 1

    def merge(self, other: ResultsBatch, *, max_samples: int = 1000) -> None:
        """Add another batch into this one (a failed write is retried with the next)."""
        for route, counter in other.counts.items():
            self.counts.setdefault(route, Counter()).update(counter)
        for route, counter in other.signatures.items():
            self.signatures.setdefault(route, Counter()).update(counter)
        for route, table in other.fields.items():
            mine = self.fields.setdefault(route, {})
            for name, (noise, candidate) in table.items():
                pair = mine.setdefault(name, [0, 0])
                pair[0] += noise
                pair[1] += candidate
        for route, counter in other.latency.items():
            self.latency.setdefault(route, Counter()).update(counter)
        self.samples = [*self.samples, *other.samples][-max_samples:]

    def routes(self) -> set[str]:
        """Return every route the batch touches."""
        return {*self.counts, *self.signatures, *self.fields, *self.latency, *(s.route for s in self.samples)}


@dataclass
class RouteData:
    """A route's raw totals, as a store returns them."""

    route: str
    counts: dict[str, int] = field(default_factory=dict)
    signatures: dict[str, int] = field(default_factory=dict)
    fields: dict[str, tuple[int, int]] = field(default_factory=dict)  # field -> (noise, candidate)
    latency: dict[tuple[str, int], int] = field(default_factory=dict)

    def noise_model(self) -> NoiseModel:
        """Return the route's noise model: n0 noise probes, n1 compared requests, counts per field."""
        noise_samples = self.counts.get("noise_probes", 0)
        candidate_samples = sum(self.signatures.values())
        # Counts written by several workers can only be off if a reset raced a write; clamp.
        fields = {name: {"noise": min(noise, noise_samples), "candidate": min(candidate, candidate_samples)}
                  for name, (noise, candidate) in self.fields.items()}
        return NoiseModel.from_dict({"version": 1, "noise_samples": noise_samples,
                                     "candidate_samples": candidate_samples, "fields": fields,
                                     "max_fields": max(MAX_FIELDS_PER_ROUTE, len(fields) or 1)})


@dataclass(frozen=True)
class FieldResult:
    """A field that differed: how often against the extracted side and between two monolith answers."""

    field: str
    label: str  # "real" or "noise"
    candidate: int
    noise: int
    candidate_rate: float
    noise_rate: float

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {"field": self.field, "label": self.label, "candidate": self.candidate, "noise": self.noise,
                "candidate_rate": round(self.candidate_rate, 6), "noise_rate": round(self.noise_rate, 6)}


@dataclass(frozen=True)
class RouteResults:
    """A route's report: outcomes, latency of each side, fields by label, suggested rules."""

    route: str
    compared: int
    matched: int
    mismatched: int
    noise: int
    noise_probes: int
    errors: Mapping[str, int]
    skipped: Mapping[str, int]
    dropped: Mapping[str, int]
    sampled_out: int
    latency: Mapping[str, Mapping[str, float | int | None]]
    fields: list[FieldResult]
    suggested_rules: list[str]

    @property
    def mismatch_rate(self) -> float:
        """Return mismatched / compared (noise excluded); 0 before anything was compared."""
        return self.mismatched / self.compared if self.compared else 0.0

    @property
    def error_total(self) -> int:
        """Return the exchanges the extracted side did not answer."""
        return sum(self.errors.values())

    @property
    def skipped_total(self) -> int:
        """Return the exchanges not mirrored by rule (body too large, unsafe method...)."""
        return sum(self.skipped.values())

    @property
    def dropped_total(self) -> int:
        """Return the exchanges not mirrored because of load."""
        return sum(self.dropped.values())

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form the admin API and `--json` print."""
        return {
            "route": self.route, "compared": self.compared, "matched": self.matched,
            "mismatched": self.mismatched, "noise": self.noise,
            "mismatch_rate": round(self.mismatch_rate, 6), "noise_probes": self.noise_probes,
            "errors": self.error_total, "errors_by_kind": dict(self.errors),
            "skipped": self.skipped_total, "skipped_by_reason": dict(self.skipped),
            "dropped": self.dropped_total, "dropped_by_reason": dict(self.dropped),
            "sampled_out": self.sampled_out,
            "latency_ms": {side: dict(values) for side, values in self.latency.items()},
            "fields": [f.to_dict() for f in self.fields],
            "suggested_rules": list(self.suggested_rules),
        }


def summarise(data: RouteData) -> RouteResults:
    """Compute a route's report from its raw totals, classifying with the noise model as it is now."""
    model = data.noise_model()
    matched = mismatched = noise = 0
    for signature, count in data.signatures.items():
        fields = signature_fields(signature)
        if not fields:
            matched += count
        elif any(field_is_real(model, name) for name in fields):
            mismatched += count
        else:
            noise += count
    labelled = [
        FieldResult(name, "real" if field_is_real(model, name) else "noise", stats.candidate, stats.noise,
                    model.candidate_rate(name), model.noise_rate(name))
        for name, stats in model.fields().items()
    ]
    labelled.sort(key=lambda f: (f.label != "real", -f.candidate, -f.noise, f.field))
    return RouteResults(
        route=data.route, compared=matched + mismatched + noise, matched=matched, mismatched=mismatched,
        noise=noise, noise_probes=data.counts.get("noise_probes", 0),
        errors=_prefixed(data.counts, "errors."), skipped=_prefixed(data.counts, "skipped."),
        dropped=_prefixed(data.counts, "dropped."), sampled_out=data.counts.get("sampled_out", 0),
        latency=_latency(data.latency), fields=labelled, suggested_rules=model.suggest_ignore_rules())


def _prefixed(counts: Mapping[str, int], prefix: str) -> dict[str, int]:
    return {name.removeprefix(prefix): n for name, n in sorted(counts.items()) if name.startswith(prefix) and n}


def _latency(latency: Mapping[tuple[str, int], int]) -> dict[str, dict[str, float | int | None]]:
    out = {}
    for side in SIDES:
        buckets = {bucket: n for (s, bucket), n in latency.items() if s == side}
        out[side] = {"count": sum(buckets.values()), "p50": quantile_ms(buckets, 0.50),
                     "p95": quantile_ms(buckets, 0.95)}
    return out


def merge_data(parts: Iterable[RouteData], route: str) -> RouteData:
    """Add several RouteData of one route together."""
    total = RouteData(route)
    for part in parts:
        for name, n in part.counts.items():
            total.counts[name] = total.counts.get(name, 0) + n
        for name, n in part.signatures.items():
            total.signatures[name] = total.signatures.get(name, 0) + n
        for name, (x0, x1) in part.fields.items():
            a, b = total.fields.get(name, (0, 0))
            total.fields[name] = (a + x0, b + x1)
        for key, n in part.latency.items():
            total.latency[key] = total.latency.get(key, 0) + n
    return total
