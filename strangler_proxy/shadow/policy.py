"""A route's shadow settings, as written under it in strangler.toml, validated with the route file.

    [[routes]]
    id = "catalog-products-read"
    ...
    [routes.compare]                 # how the two answers are compared: strangler_proxy.diff.rules
    ignore = ["/results/*/updated_at"]

    [routes.shadow]                  # every key optional; the default is the STRANGLER_SHADOW_* variable
    sample_percent = 100             # share of the route's requests mirrored
    noise_percent = 10               # share of mirrored safe requests also sent to the monolith again
    timeout = 2.0                    # seconds one mirrored exchange may take in all
    concurrency = 32                 # mirrored exchanges in flight for this route, per worker
    record_percent = 1               # share of the route's shadowed exchanges recorded to HAR
    reverse = false                  # true: in canary (requests the extracted side serves) and
                                     # extracted mode, mirror to the monolith and compare the other
                                     # way round: "the monolith differs from extracted"

    [routes.gate]                    # evidence `strangler flip ROUTE extracted` needs
    min_compared = 1000              # compared requests at least
    max_mismatch_percent = 0.1       # mismatches (noise excluded) at most, in percent

Every problem is reported through the route file's checker, naming `shadow.<key>`,
`gate.<key>` or the `compare.<...>` field the diff engine names.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from strangler_proxy.diff import CompareRules, RulesError

__all__ = ["ROUTE_TABLES", "GatePolicy", "ShadowPolicy", "shadow_policy_parse"]

# The keys of a [[routes]] entry this module reads.
ROUTE_TABLES = ("compare", "shadow", "gate")
_PERCENTS = ("sample_percent", "noise_percent", "record_percent")
_SHADOW_KEYS = (*_PERCENTS, "timeout", "concurrency", "reverse")
_GATE_KEYS = ("min_compared", "max_mismatch_percent")

Report = Callable[[str, str], None]


@dataclass(frozen=True)
class GatePolicy:
    """A route's cut-over evidence requirements; None takes the default (STRANGLER_GATE_*)."""

    min_compared: int | None = None
    max_mismatch_percent: float | None = None


@dataclass(frozen=True)
class ShadowPolicy:
    """A route's comparison rules, mirroring knobs and gate; None takes the environment's default."""

    rules: CompareRules = field(default_factory=CompareRules)
    sample_percent: float | None = None
    noise_percent: float | None = None
    timeout: float | None = None
    concurrency: int | None = None
    record_percent: float | None = None
    gate: GatePolicy = field(default_factory=GatePolicy)
    reverse: bool = False  # mirror extracted-served requests to the monolith (canary, extracted)


def shadow_policy_parse(spec: Mapping[str, Any], report: Report) -> ShadowPolicy | None:
    """Read a route's compare/shadow/gate tables; report each problem as (field, message).

    Return None when the route has none of them (it uses the defaults).
    """
    if not any(key in spec for key in ROUTE_TABLES):
        return None
    rules = _rules(spec.get("compare"), report)
    shadow = _table(spec, "shadow", _SHADOW_KEYS, report)
    gate = _table(spec, "gate", _GATE_KEYS, report)
    values: dict[str, Any] = {}
    for key in _PERCENTS:
        if key in shadow:
            values[key] = _percent(shadow[key], f"shadow.{key}", report)
    if "timeout" in shadow:
        timeout = shadow["timeout"]
        if not _number(timeout) or not 0 < timeout <= 600:
            report("shadow.timeout", f"must be a number of seconds above 0 and at most 600, got {timeout!r}")
        else:
            values["timeout"] = float(timeout)
    if "concurrency" in shadow:
        values["concurrency"] = _whole(shadow["concurrency"], "shadow.concurrency", 1, report)
    if "reverse" in shadow:
        if type(shadow["reverse"]) is not bool:
            report("shadow.reverse", f"must be true or false, got {shadow['reverse']!r}")
        else:
            values["reverse"] = shadow["reverse"]
    gate_values: dict[str, Any] = {}
    if "min_compared" in gate:
        gate_values["min_compared"] = _whole(gate["min_compared"], "gate.min_compared", 0, report)
    if "max_mismatch_percent" in gate:
        gate_values["max_mismatch_percent"] = _percent(gate["max_mismatch_percent"], "gate.max_mismatch_percent",
                                                       report)
    return ShadowPolicy(rules=rules, gate=GatePolicy(**gate_values), **values)


def _rules(raw: Any, report: Report) -> CompareRules:
    try:
        return CompareRules.from_mapping(raw)
    except RulesError as error:
        report(error.field, error.problem)
        return CompareRules()


def _table(spec: Mapping[str, Any], name: str, keys: tuple[str, ...], report: Report) -> Mapping[str, Any]:
    raw = spec.get(name, {})
    if not isinstance(raw, Mapping):
        report(name, f"must be a table ([routes.{name}])")
        return {}
    for key in raw:
        if key not in keys:
            report(f"{name}.{key}", f"unknown setting; expected one of {', '.join(keys)}")
    return raw


def _number(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def _percent(value: Any, where: str, report: Report) -> float | None:
    if not _number(value) or not 0 <= value <= 100:
        report(where, f"must be a percentage between 0 and 100, got {value!r}")
        return None
    return float(value)


def _whole(value: Any, where: str, low: int, report: Report) -> int | None:
    if type(value) is not int or value < low:
        report(where, f"must be a whole number of at least {low}, got {value!r}")
        return None
    return value
