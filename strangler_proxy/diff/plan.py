"""Rules compiled for the walk: which rule applies at a path, looked up only where sides differ."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from strangler_proxy.diff.paths import PathPattern

__all__ = ["NO_RULE", "NodeRule", "Plan"]

_CACHE_LIMIT = 4096


@dataclass(frozen=True, slots=True)
class NodeRule:
    """Every rule that applies at one path."""

    ignored: bool = False
    array_key: str | None = None  # "" compares elements whole, as a multiset
    tolerance: tuple[Decimal, Decimal] | None = None  # (absolute, relative)
    timestamps: str | None = None
    uuids: str | None = None


NO_RULE = NodeRule()


class Plan:
    """Path rules in lookup form; `active` is False when no path rule is set at all.

    `keyed_arrays` says whether any array is compared as a set: only then must arrays look up
    their rule before comparing (every other rule is looked up where a difference is found).
    """

    __slots__ = ("active", "keyed_arrays", "_ignore", "_arrays", "_tolerances", "_tolerance", "_timestamps",
                 "_uuids", "_by_shape", "_cache")

    def __init__(
        self,
        *,
        ignore: Sequence[PathPattern],
        arrays: Sequence[tuple[PathPattern, str]],
        tolerances: Sequence[tuple[PathPattern, tuple[Decimal, Decimal]]],
        tolerance: tuple[Decimal, Decimal] | None,
        timestamps: Sequence[tuple[PathPattern, str]],
        uuids: Sequence[tuple[PathPattern, str]],
    ) -> None:
        self._ignore = tuple(ignore)
        self._arrays = tuple(arrays)
        self._tolerances = tuple(tolerances)
        self._tolerance = tolerance
        self._timestamps = tuple(timestamps)
        self._uuids = tuple(uuids)
        patterns: Iterable[PathPattern] = (
            *self._ignore,
            *(p for p, _ in self._arrays),
            *(p for p, _ in self._tolerances),
            *(p for p, _ in self._timestamps),
            *(p for p, _ in self._uuids),
        )
        patterns = tuple(patterns)
        self.active = bool(patterns) or tolerance is not None
        self.keyed_arrays = bool(self._arrays)
        # Without a literal index in any pattern, every index matches the same patterns,
        # so the answer depends on the normalised path only and caches far better.
        self._by_shape = not any(p.has_index_literal for p in patterns)
        self._cache: dict[tuple[str | int | None, ...], NodeRule] = {}

    def resolve(self, segments: Sequence[str | int]) -> NodeRule:
        """Return the rules that apply at a concrete path (first matching pattern wins)."""
        if self._by_shape:
            key: tuple[str | int | None, ...] = tuple([None if type(s) is int else s for s in segments])
        else:
            key = tuple(segments)
        rule = self._cache.get(key)
        if rule is None:
            rule = self._compute(segments)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = rule
        return rule

    def _compute(self, segments: Sequence[str | int]) -> NodeRule:
        if any(p.matches_prefix(segments) for p in self._ignore):
            return NodeRule(ignored=True)
        tolerance = next((t for p, t in self._tolerances if p.matches(segments)), self._tolerance)
        rule = NodeRule(
            array_key=next((k for p, k in self._arrays if p.matches(segments)), None),
            tolerance=tolerance,
            timestamps=next((m for p, m in self._timestamps if p.matches(segments)), None),
            uuids=next((m for p, m in self._uuids if p.matches(segments)), None),
        )
        return NO_RULE if rule == NO_RULE else rule
