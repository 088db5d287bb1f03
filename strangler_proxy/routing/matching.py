"""Path patterns and which route a request belongs to.

A pattern is a path whose segments are literals, parameters or a final ``**``:

    /api/v1/catalog/products/          exactly this path
    /api/v1/catalog/products/{id}/     one non-empty segment in place of {id}
    /api/v1/orders/{id:int}/           one segment of digits
    /api/v1/orders/**                  /api/v1/orders and everything below it (a prefix)

Precedence, when several routes claim a request: compare patterns segment by segment from
the left; a literal beats ``{x:int}``, which beats ``{x}``, which beats ``**``; an exact
pattern beats a prefix of the same literal length. Among the routes whose pattern matches,
the first (most specific) one that allows the method wins; no match means the monolith.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from strangler_proxy.routing.model import RouteSpec

__all__ = ["Match", "Matcher", "Pattern", "compile_pattern", "pattern_segments"]

_LITERAL, _INT, _ANY, _REST = 4, 3, 2, 0
# Matches per (method, path) remembered by a matcher; a table swap starts a fresh one.
_CACHE_SIZE = 4096
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::(int))?\}")
_LITERAL_SEGMENT = re.compile(r"[A-Za-z0-9!$&'()*+,;=:@\-_~.]*")


@dataclass(frozen=True, slots=True)
class Pattern:
    """A compiled pattern: per segment a literal or a (name, kind) parameter."""

    text: str
    parts: tuple[str | tuple[str, int], ...]
    prefix: bool
    rank: tuple[int, ...]

    @property
    def shape(self) -> str:
        """Return the pattern with parameter names erased: equal shapes claim the same paths."""
        shown = ["{int}" if isinstance(p, tuple) and p[1] == _INT else "{}" if isinstance(p, tuple) else p
                 for p in self.parts]
        return "/" + "/".join(shown) + ("/**" if self.prefix else "")

    def match(self, segments: Sequence[str]) -> dict[str, str] | None:
        """Return the parameters if the decoded path segments match, else None."""
        parts = self.parts
        count = len(parts)
        if self.prefix:
            if len(segments) < count:
                return None
        elif len(segments) != count:
            return None
        params: dict[str, str] | None = None
        for index in range(count):
            part = parts[index]
            segment = segments[index]
            if part.__class__ is str:
                if part != segment:
                    return None
                continue
            name, kind = part  # type: ignore[misc]
            if not segment or (kind == _INT and not segment.isdigit()):
                return None
            if params is None:
                params = {}
            params[name] = segment
        return params or {}


def pattern_segments(text: str) -> list[str]:
    """Split a pattern or canonical path into segments (a trailing slash gives a last empty one)."""
    return text[1:].split("/")


def compile_pattern(text: str) -> Pattern:
    """Compile a pattern; raise ValueError saying what is wrong with it."""
    if not text.startswith("/"):
        raise ValueError("must start with '/'")
    segments = pattern_segments(text)
    prefix = segments[-1] == "**"
    if prefix:
        segments = segments[:-1]
        if segments == [""]:
            segments = []
    parts: list[str | tuple[str, int]] = []
    rank: list[int] = []
    names: set[str] = set()
    for index, segment in enumerate(segments):
        if "*" in segment:
            raise ValueError("'**' may only be the last segment")
        param = _PARAM.fullmatch(segment)
        if param:
            name, kind = param.group(1), _INT if param.group(2) else _ANY
            if name in names:
                raise ValueError(f"parameter {{{name}}} appears twice")
            names.add(name)
            parts.append((name, kind))
            rank.append(kind)
            continue
        if "{" in segment or "}" in segment:
            raise ValueError(f"bad parameter {segment!r}: use {{name}} or {{name:int}}")
        if segment == "" and index != len(segments) - 1:
            raise ValueError("empty segment ('//')")
        if segment in (".", "..") or "%" in segment or not _LITERAL_SEGMENT.fullmatch(segment):
            raise ValueError(f"segment {segment!r} is not a plain path segment")
        parts.append(segment)
        rank.append(_LITERAL)
    rank.append(_REST if prefix else 1)
    return Pattern(text, tuple(parts), prefix, tuple(rank))


@dataclass(frozen=True, slots=True)
class Match:
    """The route a request belongs to and the pattern parameters."""

    route: RouteSpec
    params: dict[str, str]


class Matcher:
    """Find the most specific route for a method and canonical path."""

    def __init__(self, routes: Iterable[RouteSpec]) -> None:
        entries = [(compile_pattern(text), route) for route in routes for text in route.paths]
        # Stable sort: equally specific patterns keep file order.
        entries.sort(key=lambda entry: entry[0].rank, reverse=True)
        self._entries = tuple(entries)
        self._by_first: dict[str, tuple[tuple[Pattern, RouteSpec], ...]] = {}
        firsts = {p.parts[0] for p, _ in entries if p.parts and isinstance(p.parts[0], str)}
        for first in firsts:
            self._by_first[first] = tuple(
                (p, r) for p, r in entries
                if not p.parts or not isinstance(p.parts[0], str) or p.parts[0] == first
            )
        self._other = tuple((p, r) for p, r in entries if not p.parts or not isinstance(p.parts[0], str))
        self._cache: dict[tuple[str, tuple[str, ...]], Match | None] = {}

    def match(self, method: str, segments: Sequence[str]) -> Match | None:
        """Return the winning route for the request, or None for the monolith."""
        key = (method, tuple(segments))
        cache = self._cache
        if key in cache:
            return cache[key]
        found = self._match(method, segments)
        if len(cache) >= _CACHE_SIZE:
            cache.clear()  # a crude bound: hot paths come back at once
        cache[key] = found
        return found

    def _match(self, method: str, segments: Sequence[str]) -> Match | None:
        candidates = self._by_first.get(segments[0], self._other) if segments else self._entries
        for pattern, route in candidates:
            if route.methods is not None and method not in route.methods:
                continue
            params = pattern.match(segments)
            if params is not None:
                return Match(route, params)
        return None
