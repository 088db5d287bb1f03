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
    skipped.<why>          not mirrored: body_too_large, candidate_too_large, unsafe_method, no_backend,
                           fallback (the monolith answered a reverse route), direction_unknown
    dropped.<why>          not mirrored because of load: overload (in-flight cap), shutdown,
                           handoff (the socket to the shadow sidecar full), sidecar (it was down)
    sampled_out            not mirrored because the sample rate left it out

Each route's results are kept per *source*, the way the compared requests came in:

    shadow     live traffic the monolith served, mirrored to the extracted side
    reverse    live traffic the extracted side served (canary, extracted), mirrored to the monolith:
               compared the other way round (primary = extracted), so "the monolith differs"
    replay     `strangler replay` / `strangler compare --requests`: requests sent to both sides

A store keeps each source under its own key (`<route>` for shadow, `<route>@<source>`
otherwise: `@` is never in a route id), bounded separately. Reading a route adds its
sources together, so the gate and every report count all the evidence; the per-source
totals are there to tell them apart. Field names do not depend on the direction, so the
noise learned from every source is one model.
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
    "DIRECTIONS",
    "MAX_FIELDS_PER_ROUTE",
    "MAX_SIGNATURES_PER_ROUTE",
    "OVERFLOW",
    "REPLAY",
    "REVERSE",
    "SHADOW",
    "SIDES",
    "SOURCES",
    "FieldResult",
    "ResultsBatch",
    "RouteData",
    "RouteResults",
    "Sample",
    "SourceResults",
    "field_is_real",
    "merge_data",
    "merge_sources",
    "signature_fields",
    "signature_of",
    "source_key",
    "split_key",
    "summarise",
]

SIDES = ("monolith", "extracted")
SHADOW, REVERSE, REPLAY = "shadow", "reverse", "replay"
SOURCES = (SHADOW, REVERSE, REPLAY)
# How each source's comparisons read: which side was the primary (the one compared against).
DIRECTIONS = {SHADOW: "extracted differs from monolith", REVERSE: "monolith differs from extracted",
              REPLAY: "extracted differs from monolith"}
# Stands for "more fields than we keep": never counted by the noise model, so never noise.
OVERFLOW = "…"
MAX_SIGNATURE_FIELDS = 20
MAX_FIELDS_PER_COMPARISON = 50
MAX_SIGNATURES_PER_ROUTE = 1000
MAX_FIELDS_PER_ROUTE = 5000
MATCHED = "[]"


def source_key(route: str, source: str = SHADOW) -> str:
    """Return the key a store keeps a route's results of one source under."""
    if source not in SOURCES:
        raise ValueError(f"unknown results source {source!r} (expected one of {', '.join(SOURCES)})")
    return route if source == SHADOW else f"{route}@{source}"


def split_key(key: str) -> tuple[str, str]:
    """Return the route and the source of a store key (an unknown suffix reads as part of the route)."""
    route, sep, source = key.rpartition("@")
    return (route, source) if sep and source in SOURCES and source != SHADOW else (key, SHADOW)


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
    differences: list[Mapping[str, Any]]  # Difference.to_dict() each: primary -> candidate
    source: str = SHADOW  # for REVERSE the primary is the extracted answer and the candidate the monolith's

    @property
    def key(self) -> str:
        """Return the store key of its route and source."""
        return source_key(self.route, self.source)

    @property
    def reverse(self) -> bool:
        """Whether the primary (the side compared against) is the extracted answer."""
        return self.source == REVERSE

    @property
    def monolith(self) -> Mapping[str, Any]:
        """Return the monolith's answer, whichever side of the comparison it was."""
        return self.candidate if self.reverse else self.primary

    @property
    def extracted(self) -> Mapping[str, Any]:
        """Return the extracted answer, whichever side of the comparison it was."""
        return self.primary if self.reverse else self.candidate

    @property
    def sides(self) -> tuple[str, str]:
        """Return the names of the primary and the candidate side, in that order."""
        return ("extracted", "monolith") if self.reverse else ("monolith", "extracted")

    def fields(self) -> list[str]:
        """Return the fields this example differs in."""
        return signature_fields(self.signature)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form the stores keep."""
        return {"route": self.route, "source": self.source, "direction": DIRECTIONS[self.source],
                "at": self.at, "signature": self.signature, "request": dict(self.request),
                "primary": dict(self.primary), "candidate": dict(self.candidate),
                "differences": [dict(d) for d in self.differences]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Sample:
        """Read `to_dict` output back (examples kept before sources existed are the shadow's)."""
        source = data.get("source", SHADOW)
        return cls(str(data["route"]), str(data["at"]), str(data["signature"]), dict(data["request"]),
                   dict(data["primary"]), dict(data["candidate"]), list(data["differences"]),
                   source if source in SOURCES else SHADOW)


@dataclass
class ResultsBatch:
    """What one worker gathered since its last flush; stores add it to the shared totals.

    Its tables are keyed by store key (`source_key(route, source)`); every method takes the
    route and, when it is not the live shadow, the source.
    """

    counts: dict[str, Counter[str]] = field(default_factory=dict)
    signatures: dict[str, Counter[str]] = field(default_factory=dict)
    fields: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    latency: dict[str, Counter[tuple[str, int]]] = field(default_factory=dict)
    samples: list[Sample] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.counts or self.signatures or self.fields or self.latency or self.samples)

    def count(self, route: str, name: str, n: int = 1, *, source: str = SHADOW) -> None:
        """Add to a named counter."""
        self.counts.setdefault(source_key(route, source), Counter())[name] += n

    def compared(self, route: str, comparison: Comparison, *, source: str = SHADOW) -> str:
        """Count a monolith-vs-extracted comparison (either way round); return its signature."""
        key = source_key(route, source)
        signature = signature_of(comparison)
        self.signatures.setdefault(key, Counter())[signature] += 1
        self._fields(key, comparison, 1)
        return signature

    def noise_probe(self, route: str, comparison: Comparison, *, source: str = SHADOW) -> None:
        """Count a monolith-vs-monolith comparison."""
        key = source_key(route, source)
        self.counts.setdefault(key, Counter())["noise_probes"] += 1
        self._fields(key, comparison, 0)

    def _fields(self, key: str, comparison: Comparison, side: int) -> None:
        table = self.fields.setdefault(key, {})
        for name in sorted(comparison.fields())[:MAX_FIELDS_PER_COMPARISON]:
            table.setdefault(name, [0, 0])[side] += 1

    def latency_bucket(self, route: str, side: str, bucket: int, *, source: str = SHADOW) -> None:
        """Count one answer's duration bucket (`side` is monolith or extracted, whichever was primary)."""
        self.latency.setdefault(source_key(route, source), Counter())[(side, bucket)] += 1

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

    def keys(self) -> set[str]:
        """Return every store key (route and source) the batch touches."""
        return {*self.counts, *self.signatures, *self.fields, *self.latency, *(s.key for s in self.samples)}

    def routes(self) -> set[str]:
        """Return every route the batch touches."""
        return {split_key(key)[0] for key in self.keys()}


@dataclass
class RouteData:
    """A route's raw totals, as a store returns them."""

    route: str
    counts: dict[str, int] = field(default_factory=dict)
    signatures: dict[str, int] = field(default_factory=dict)
    fields: dict[str, tuple[int, int]] = field(default_factory=dict)  # field -> (noise, candidate)
    latency: dict[tuple[str, int], int] = field(default_factory=dict)
    # What each source added (only those with results), when these are a route's totals.
    sources: dict[str, RouteData] = field(default_factory=dict)

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
class SourceResults:
    """What one source (shadow, reverse, replay) added to a route's results."""

    source: str
    compared: int
    matched: int
    mismatched: int
    noise: int
    noise_probes: int
    errors: int

    @property
    def direction(self) -> str:
        """Say which way its comparisons read, e.g. "monolith differs from extracted"."""
        return DIRECTIONS[self.source]

    @property
    def mismatch_rate(self) -> float:
        """Return mismatched / compared (noise excluded)."""
        return self.mismatched / self.compared if self.compared else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {"source": self.source, "direction": self.direction, "compared": self.compared,
                "matched": self.matched, "mismatched": self.mismatched, "noise": self.noise,
                "mismatch_rate": round(self.mismatch_rate, 6), "noise_probes": self.noise_probes,
                "errors": self.errors}


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
    sources: Mapping[str, SourceResults] = field(default_factory=dict)  # in SOURCES order

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
            "sources": [s.to_dict() for s in self.sources.values()],
        }


def summarise(data: RouteData) -> RouteResults:
    """Compute a route's report from its raw totals, classifying with the noise model as it is now.

    Each source's share is classified with the same model (the route's), so they add up.
    """
    model = data.noise_model()
    matched, mismatched, noise = _classify(data.signatures, model)
    sources = {}
    for source in SOURCES:
        part = data.sources.get(source)
        if part is None:
            continue
        counts = _classify(part.signatures, model)
        sources[source] = SourceResults(source, sum(counts), *counts, part.counts.get("noise_probes", 0),
                                        sum(_prefixed(part.counts, "errors.").values()))
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
        latency=_latency(data.latency), fields=labelled, suggested_rules=model.suggest_ignore_rules(),
        sources=sources)


def _classify(signatures: Mapping[str, int], model: NoiseModel) -> tuple[int, int, int]:
    matched = mismatched = noise = 0
    for signature, count in signatures.items():
        fields = signature_fields(signature)
        if not fields:
            matched += count
        elif any(field_is_real(model, name) for name in fields):
            mismatched += count
        else:
            noise += count
    return matched, mismatched, noise


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
        _add(total, part)
    return total


def merge_sources(route: str, parts: Mapping[str, RouteData]) -> RouteData:
    """Return a route's totals from what each source added (kept in `sources`, empty ones left out)."""
    total = RouteData(route)
    for source in SOURCES:
        part = parts.get(source)
        if part is None or not (part.counts or part.signatures or part.fields or part.latency):
            continue
        _add(total, part)
        total.sources[source] = part
    return total


def _add(total: RouteData, part: RouteData) -> None:
    for name, n in part.counts.items():
        total.counts[name] = total.counts.get(name, 0) + n
    for name, n in part.signatures.items():
        total.signatures[name] = total.signatures.get(name, 0) + n
    for name, (x0, x1) in part.fields.items():
        a, b = total.fields.get(name, (0, 0))
        total.fields[name] = (a + x0, b + x1)
    for key, n in part.latency.items():
        total.latency[key] = total.latency.get(key, 0) + n
