"""The body shapes a contract expects, and the check that names every mismatch.

A shape is data: a literal (must be equal), a type (must be an instance), a dict
(exactly these keys, each value matching), a list (element by element), or one of
the matchers below.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["ANY", "ISO_TIME", "Each", "Link", "Nullable", "Text", "mismatches"]


class _Any:
    def __repr__(self) -> str:
        return "ANY"


ANY: Any = _Any()


@dataclass(frozen=True)
class Each:
    """A list whose every item matches `shape`, with `count` items when given."""

    shape: Any
    count: int | None = None


@dataclass(frozen=True)
class Nullable:
    shape: Any


@dataclass(frozen=True)
class Text:
    """A string matching a regular expression."""

    pattern: str


@dataclass(frozen=True)
class Link:
    """An absolute URL on the server that answered: its base URL + `path`."""

    path: str


ISO_TIME = Text(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z")


def mismatches(value: Any, shape: Any, *, base: str, where: str = "$") -> list[str]:
    """Every way `value` differs from `shape`, as readable lines."""
    if shape is ANY:
        return []
    if isinstance(shape, Nullable):
        return [] if value is None else mismatches(value, shape.shape, base=base, where=where)
    if isinstance(shape, Link):
        expected = base + shape.path
        return [] if value == expected else [f"{where}: expected {expected!r}, got {value!r}"]
    if isinstance(shape, Text):
        ok = isinstance(value, str) and re.fullmatch(shape.pattern, value)
        return [] if ok else [f"{where}: expected text like /{shape.pattern}/, got {value!r}"]
    if isinstance(shape, type):
        ok = isinstance(value, shape) and not (shape is int and isinstance(value, bool))
        return [] if ok else [f"{where}: expected {shape.__name__}, got {value!r}"]
    if isinstance(shape, Each):
        if not isinstance(value, list):
            return [f"{where}: expected a list, got {value!r}"]
        problems = []
        if shape.count is not None and len(value) != shape.count:
            problems.append(f"{where}: expected {shape.count} items, got {len(value)}")
        for index, item in enumerate(value):
            problems += mismatches(item, shape.shape, base=base, where=f"{where}[{index}]")
        return problems
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return [f"{where}: expected an object, got {value!r}"]
        problems = []
        if set(value) != set(shape):
            problems.append(f"{where}: keys {sorted(value)} differ from {sorted(shape)}")
        for key in shape.keys() & value.keys():
            problems += mismatches(value[key], shape[key], base=base, where=f"{where}.{key}")
        return problems
    if isinstance(shape, list):
        if not isinstance(value, list) or len(value) != len(shape):
            return [f"{where}: expected {len(shape)} items, got {value!r}"]
        problems = []
        for index, (item, item_shape) in enumerate(zip(value, shape)):
            problems += mismatches(item, item_shape, base=base, where=f"{where}[{index}]")
        return problems
    return [] if value == shape else [f"{where}: expected {shape!r}, got {value!r}"]
