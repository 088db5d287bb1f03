"""Array helpers for the walk: indexing by a key field, strict multisets, permutations."""
from __future__ import annotations

from collections import Counter
from operator import itemgetter
from typing import Any

__all__ = ["freeze", "index_by", "is_permutation", "match_multiset"]

_ABSENT = object()
_first = itemgetter(0)


def freeze(value: Any) -> Any:
    """Return a hashable form equal only for equal JSON values (true stays apart from 1)."""
    kind = type(value)
    if kind is dict:
        return ("o", tuple([(k, freeze(v)) for k, v in sorted(value.items(), key=_first)]))
    if kind is list:
        return ("a", tuple([freeze(v) for v in value]))
    if kind is str:
        return ("s", value)
    if kind is bool:
        return ("b", value)
    if kind is int or kind is float:
        return ("n", value)
    if value is None:
        return ("z",)
    return ("?", repr(value))


def index_by(items: list[Any], key: str) -> dict[Any, int] | None:
    """Return {key value: index}, or None when an element is not an object with a unique scalar key."""
    index: dict[Any, int] = {}
    for position, item in enumerate(items):
        if type(item) is not dict:
            return None
        value = item.get(key, _ABSENT)
        kind = type(value)
        if value is _ABSENT or kind is dict or kind is list:
            return None
        if kind is bool:
            value = (bool, value)  # keep true apart from 1
        if value in index:
            return None
        index[value] = position
    return index


def match_multiset(a: list[Any], b: list[Any]) -> tuple[list[int], list[int]]:
    """Pair equal elements whatever their order; return the unpaired indices of `a` and of `b`."""
    pool: dict[Any, list[int]] = {}
    # Filled backwards so that pop() pairs equal elements first to first.
    for position in range(len(b) - 1, -1, -1):
        pool.setdefault(freeze(b[position]), []).append(position)
    unpaired_a = []
    for position, frozen in enumerate(map(freeze, a)):
        positions = pool.get(frozen)
        if positions:
            positions.pop()
        else:
            unpaired_a.append(position)
    unpaired_b = sorted(p for positions in pool.values() for p in positions)
    return unpaired_a, unpaired_b


def is_permutation(xs: list[Any], ys: list[Any]) -> bool:
    """Return True when `ys` holds exactly the elements of `xs` (strict JSON equality)."""
    if len(xs) <= 16:
        # Cheap rejection first: the usual case is a changed element, not a reordering.
        rest = list(ys)
        for item in xs:
            try:
                rest.remove(item)
            except ValueError:
                return False
    return Counter(map(freeze, xs)) == Counter(map(freeze, ys))
