"""Field paths: JSON Pointers, their normalised form, and the wildcard patterns rules use.

A concrete path is a list of segments: `str` for object keys, `int` for array indices.
It is written as a JSON Pointer (RFC 6901): ``/results/3/price``; the root is ``""``.
The normalised path writes every array index as ``*``: ``/results/*/price``.

A pattern is a pointer whose segments may be ``*`` (exactly one segment: a key or an index)
or ``**`` (any number of segments, zero included): ``/results/*/price``, ``/**/updated_at``,
``/meta/**``, ``**`` (everything). A literal segment matches a key with that name or an index
with that number. Wildcards are whole segments only; ``~0`` and ``~1`` escape ``~`` and ``/``.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["PathPattern", "compile_pattern", "normalised_pointer", "pointer"]

STAR = "*"
GLOBSTAR = "**"


def _escape(segment: str | int) -> str:
    if type(segment) is int:
        return str(segment)
    text = str(segment)
    if "~" in text or "/" in text:
        text = text.replace("~", "~0").replace("/", "~1")
    return text


def pointer(segments: Sequence[str | int]) -> str:
    """Return the JSON Pointer of a concrete path."""
    return "".join(["/" + _escape(s) for s in segments])


def normalised_pointer(segments: Sequence[str | int]) -> str:
    """Return the JSON Pointer with every array index written as `*`."""
    return "".join(["/*" if type(s) is int else "/" + _escape(s) for s in segments])


@dataclass(frozen=True, slots=True)
class PathPattern:
    """A compiled path pattern; `text` is what the rule file said."""

    text: str
    tokens: tuple[str, ...]  # literal segments (unescaped), STAR or GLOBSTAR

    @property
    def has_index_literal(self) -> bool:
        """Return True when a literal segment could name an array index (`/results/3`)."""
        return any(t.isdigit() for t in self.tokens if t not in (STAR, GLOBSTAR))

    def matches(self, segments: Sequence[str | int]) -> bool:
        """Return True when the whole path matches."""
        return _match(self.tokens, 0, segments, 0, False)

    def matches_prefix(self, segments: Sequence[str | int]) -> bool:
        """Return True when the path or one of its ancestors matches (the path is under the pattern)."""
        return _match(self.tokens, 0, segments, 0, True)


def compile_pattern(text: str) -> PathPattern:
    """Compile a pattern; raise ValueError saying what is wrong with it."""
    if not isinstance(text, str):
        raise ValueError(f"must be a string, got {type(text).__name__}")
    if text in ("", GLOBSTAR):
        return PathPattern(text, () if text == "" else (GLOBSTAR,))
    if not text.startswith("/"):
        raise ValueError(f"must be a JSON Pointer starting with '/' (or \"\" for the whole body), got {text!r}")
    tokens = []
    for raw in text[1:].split("/"):
        if raw in (STAR, GLOBSTAR):
            tokens.append(raw)
            continue
        if "*" in raw:
            raise ValueError(f"a wildcard must be a whole segment ('*' or '**'), got {raw!r} in {text!r}")
        tokens.append(_unescape(raw, text))
    return PathPattern(text, tuple(tokens))


def _unescape(raw: str, text: str) -> str:
    if "~" not in raw:
        return raw
    out = []
    index = 0
    while index < len(raw):
        char = raw[index]
        if char == "~":
            follower = raw[index + 1 : index + 2]
            if follower not in ("0", "1"):
                raise ValueError(f"'~' must be followed by 0 or 1 (JSON Pointer escape), in {text!r}")
            out.append("~" if follower == "0" else "/")
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)


def _match(tokens: tuple[str, ...], ti: int, segments: Sequence[str | int], si: int, prefix: bool) -> bool:
    end = len(segments)
    while ti < len(tokens):
        token = tokens[ti]
        if token == GLOBSTAR:
            if ti == len(tokens) - 1:
                return True
            return any(_match(tokens, ti + 1, segments, k, prefix) for k in range(si, end + 1))
        if si == end:
            return False
        if token != STAR:
            segment = segments[si]
            if (segment if type(segment) is str else str(segment)) != token:
                return False
        ti += 1
        si += 1
    return prefix or si == end
