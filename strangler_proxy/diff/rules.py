"""Per-route comparison rules, as written under a route in strangler.toml.

    [[routes]]
    id = "catalog-products-read"
    ...
    [routes.compare]
    headers = ["content-type", "x-total-count"]   # compared headers, any case; default content-type
    ignore = ["/results/*/updated_at", "/**/request_id", "/debug/**"]
    arrays = { "/results" = "id", "/results/*/tags" = "" }   # compared as sets keyed by a field;
                                                   # "" compares whole elements, as a multiset
    tolerance = { absolute = 0.001 }               # every number; relative = 0.01 means 1 %
    timestamps = "instant"                         # or "type", or a table of path -> mode
    uuids = { "/results/*/uuid" = "type" }         # "canonical" or "type", everywhere or per path

    [routes.compare.tolerances]                    # per path; wins over `tolerance`
    "/results/*/price" = { absolute = 0.01 }

Paths are JSON Pointers with wildcards (see paths.py). Where several patterns of one setting
match a path, the first one written wins; `ignore` also covers everything under a path.
Tolerance applies to numbers and to decimal strings ("12.50"), inclusive, computed in decimal.
Timestamp and UUID modes are described in scalars.py.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from strangler_proxy.diff.errors import RulesError
from strangler_proxy.diff.paths import compile_pattern
from strangler_proxy.diff.plan import Plan
from strangler_proxy.diff.scalars import TIMESTAMP_MODES, UUID_MODES

__all__ = ["DEFAULT_HEADERS", "CompareRules", "Tolerance"]

DEFAULT_HEADERS: tuple[str, ...] = ("content-type",)
_SETTINGS = ("headers", "ignore", "arrays", "tolerance", "tolerances", "timestamps", "uuids")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_KEY_FIELD = re.compile(r"[^\x00-\x1f]{0,200}")


@dataclass(frozen=True, slots=True)
class Tolerance:
    """Numbers at most `absolute` apart, or at most `relative` times the larger magnitude, are equal."""

    absolute: float = 0.0
    relative: float = 0.0

    def __post_init__(self) -> None:
        for name in ("absolute", "relative"):
            _non_negative(getattr(self, name), f"Tolerance.{name}")

    def to_mapping(self) -> dict[str, float]:
        """Return the TOML-shaped table, without zero members."""
        table = {"absolute": self.absolute, "relative": self.relative}
        return {k: v for k, v in table.items() if v} or {"absolute": 0.0}

    def as_decimals(self) -> tuple[Decimal, Decimal]:
        """Return (absolute, relative) as decimals, exactly as written."""
        return Decimal(repr(float(self.absolute))), Decimal(repr(float(self.relative)))


@dataclass(frozen=True)
class CompareRules:
    """How one route's responses are compared. Build from TOML with `from_mapping`."""

    headers: tuple[str, ...] = DEFAULT_HEADERS
    ignore: tuple[str, ...] = ()
    arrays: Mapping[str, str] = field(default_factory=dict)
    tolerance: Tolerance | None = None
    tolerances: Mapping[str, Tolerance] = field(default_factory=dict)
    timestamps: Mapping[str, str] = field(default_factory=dict)
    uuids: Mapping[str, str] = field(default_factory=dict)
    # The path rules compiled for lookups during a walk; derived, never set by callers.
    plan: Plan = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        values = _normalise({name: getattr(self, name) for name in _SETTINGS}, "CompareRules")
        for name, value in values.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "plan", _compile(self))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None, where: str = "compare") -> CompareRules:
        """Build rules from a route's `compare` table; raise RulesError naming the bad field."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise RulesError(where, f"must be a table, got {_kind(data)}")
        return cls(**_normalise(data, where))

    def to_mapping(self) -> dict[str, Any]:
        """Return the TOML-shaped table `from_mapping` reads, without default settings."""
        table: dict[str, Any] = {}
        if self.headers != DEFAULT_HEADERS:
            table["headers"] = list(self.headers)
        if self.ignore:
            table["ignore"] = list(self.ignore)
        if self.arrays:
            table["arrays"] = dict(self.arrays)
        if self.tolerance is not None:
            table["tolerance"] = self.tolerance.to_mapping()
        if self.tolerances:
            table["tolerances"] = {p: t.to_mapping() for p, t in self.tolerances.items()}
        for name in ("timestamps", "uuids"):
            modes = getattr(self, name)
            if modes:
                table[name] = modes["**"] if list(modes) == ["**"] else dict(modes)
        return table


def _compile(rules: CompareRules) -> Plan:
    return Plan(
        ignore=[compile_pattern(p) for p in rules.ignore],
        arrays=[(compile_pattern(p), k) for p, k in rules.arrays.items()],
        tolerances=[(compile_pattern(p), t.as_decimals()) for p, t in rules.tolerances.items()],
        tolerance=rules.tolerance.as_decimals() if rules.tolerance is not None else None,
        timestamps=[(compile_pattern(p), m) for p, m in rules.timestamps.items()],
        uuids=[(compile_pattern(p), m) for p, m in rules.uuids.items()],
    )


def _normalise(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    unknown = [k for k in data if k not in _SETTINGS]
    if unknown:
        raise RulesError(f"{where}.{unknown[0]}", f"unknown setting; expected one of {', '.join(_SETTINGS)}")
    values: dict[str, Any] = {}
    if "headers" in data:
        values["headers"] = _headers(data["headers"], f"{where}.headers")
    if "ignore" in data:
        values["ignore"] = tuple(_patterns(data["ignore"], f"{where}.ignore"))
    if "arrays" in data:
        values["arrays"] = {
            pattern: _key_field(key, f"{where}.arrays.{_quoted(pattern)}")
            for pattern, key in _pattern_table(data["arrays"], f"{where}.arrays").items()
        }
    if "tolerance" in data:
        tolerance = data["tolerance"]
        values["tolerance"] = None if tolerance is None else _tolerance(tolerance, f"{where}.tolerance")
    if "tolerances" in data:
        values["tolerances"] = {
            pattern: _tolerance(table, f"{where}.tolerances.{_quoted(pattern)}")
            for pattern, table in _pattern_table(data["tolerances"], f"{where}.tolerances").items()
        }
    if "timestamps" in data:
        values["timestamps"] = _modes(data["timestamps"], TIMESTAMP_MODES, f"{where}.timestamps")
    if "uuids" in data:
        values["uuids"] = _modes(data["uuids"], UUID_MODES, f"{where}.uuids")
    return values


def _headers(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise RulesError(where, f"must be a list of header names, got {_kind(value)}")
    names: list[str] = []
    for index, name in enumerate(value):
        if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
            raise RulesError(f"{where}[{index}]", f"must be a header name such as 'content-type', got {name!r}")
        if name.lower() not in names:
            names.append(name.lower())
    return tuple(names)


def _patterns(value: Any, where: str) -> list[str]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise RulesError(where, f"must be a list of path patterns, got {_kind(value)}")
    for index, pattern in enumerate(value):
        _pattern(pattern, f"{where}[{index}]")
    return list(value)


def _pattern(pattern: Any, where: str) -> str:
    try:
        compile_pattern(pattern)
    except ValueError as error:
        raise RulesError(where, str(error)) from None
    return pattern


def _pattern_table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise RulesError(where, f"must be a table of path pattern = value, got {_kind(value)}")
    for pattern in value:
        _pattern(pattern, f"{where}.{_quoted(pattern)}")
    return dict(value)


def _key_field(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _KEY_FIELD.fullmatch(value):
        raise RulesError(where, f"must be the name of the key field of the elements (or \"\"), got {value!r}")
    return value


def _tolerance(value: Any, where: str) -> Tolerance:
    if isinstance(value, Tolerance):
        return value
    if not isinstance(value, Mapping):
        raise RulesError(where, f"must be a table such as {{ absolute = 0.01, relative = 0.001 }}, got {_kind(value)}")
    unknown = [k for k in value if k not in ("absolute", "relative")]
    if unknown:
        raise RulesError(f"{where}.{unknown[0]}", "unknown setting; expected absolute and/or relative")
    if not value:
        raise RulesError(where, "must set absolute and/or relative")
    for name in value:
        _non_negative(value[name], f"{where}.{name}")
    return Tolerance(**{k: float(v) for k, v in value.items()})


def _non_negative(value: Any, where: str) -> None:
    if type(value) not in (int, float) or not math.isfinite(value) or value < 0:
        raise RulesError(where, f"must be a number >= 0, got {value!r}")


def _modes(value: Any, allowed: tuple[str, ...], where: str) -> dict[str, str]:
    if isinstance(value, str):
        table: Mapping[str, Any] = {"**": value}
        field_of = {"**": where}
    elif isinstance(value, Mapping):
        table = _pattern_table(value, where)
        field_of = {p: f"{where}.{_quoted(p)}" for p in table}
    else:
        raise RulesError(where, f"must be a mode ({', '.join(allowed)}) or a table of path = mode, got {_kind(value)}")
    for pattern, mode in table.items():
        if mode not in allowed:
            raise RulesError(field_of[pattern], f"must be one of {', '.join(allowed)}, got {mode!r}")
    return dict(table)


def _quoted(pattern: Any) -> str:
    return f'"{pattern}"'


def _kind(value: Any) -> str:
    names = {str: "a string", bool: "a boolean", int: "a number", float: "a number", type(None): "nothing"}
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list | tuple):
        return "a list"
    return names.get(type(value), type(value).__name__)
