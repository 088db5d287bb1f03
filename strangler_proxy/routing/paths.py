"""One canonical path per request, or a 400: nothing ambiguous is matched or forwarded.

The raw request target is split into path and query; the path is checked segment by
segment and re-encoded in a single canonical form. The proxy matches the decoded segments
and forwards the canonical encoding, so the backend sees exactly the path the table chose.
Refused (BadPath): anything not in origin form, fragments, empty segments (``//``), ``.`` and
``..`` segments (plain or percent-encoded, also before a ``;``), encoded slash or backslash,
a raw backslash, NUL and other control characters, bad percent-encoding, bytes that are not
UTF-8, non-ASCII raw characters and double encoding (``%25`` followed by two hex digits).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote_to_bytes

from strangler_proxy.errors import BadPath

__all__ = ["Target", "canonical_target"]

# Characters a path segment may carry unencoded (RFC 3986 pchar minus pct-encoded).
_PCHAR_SAFE = "!$&'()*+,;=:@-._~"
_PLAIN_SEGMENT = re.compile(r"[A-Za-z0-9!$&'()*+,;=:@\-_~.]*")
_PLAIN_PATH = re.compile(r"[A-Za-z0-9!$&'()*+,;=:@\-_~./]*")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_DOUBLE_ENCODED = re.compile(r"%[0-9A-Fa-f]{2}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MAX_TARGET = 8192


@dataclass(frozen=True, slots=True)
class Target:
    """A canonical request target: decoded segments to match, encoded path and raw query to forward."""

    path: str
    segments: tuple[str, ...]
    query: str

    @property
    def path_qs(self) -> str:
        """Return the path with its query string, as forwarded."""
        return f"{self.path}?{self.query}" if self.query else self.path


def canonical_target(raw: str) -> Target:
    """Return the canonical form of a raw request target or raise BadPath."""
    if len(raw) > _MAX_TARGET:
        raise BadPath("the request target is too long")
    if not raw.startswith("/"):
        raise BadPath("the request target must be an absolute path (origin form)")
    path, _, query = raw.partition("?")
    if "#" in raw:
        raise BadPath("a request target must not carry a fragment")
    if query and (_CONTROL.search(query) or not query.isascii()):
        raise BadPath("the query string holds control or non-ASCII characters")
    if _PLAIN_PATH.fullmatch(path) and "//" not in path and "/." not in path:
        # The common case: nothing encoded, no empty or dot-led segment; already canonical.
        return Target(path, tuple(path[1:].split("/")), query)
    raw_segments = path[1:].split("/")
    decoded: list[str] = []
    clean = True
    last = len(raw_segments) - 1
    for index, raw_segment in enumerate(raw_segments):
        if raw_segment == "" and index != last:
            raise BadPath("empty path segment ('//')")
        if _PLAIN_SEGMENT.fullmatch(raw_segment):
            segment = raw_segment
        else:
            clean = False
            segment = _decode_segment(raw_segment)
        if segment in (".", "..") or segment.partition(";")[0] in (".", ".."):
            raise BadPath("dot segments ('.' or '..') are not allowed")
        decoded.append(segment)
    if clean:
        return Target(path, tuple(decoded), query)
    canonical = "/" + "/".join(quote(segment, safe=_PCHAR_SAFE) for segment in decoded)
    return Target(canonical, tuple(decoded), query)


def _decode_segment(raw_segment: str) -> str:
    if "\\" in raw_segment:
        raise BadPath("backslash in path")
    if not raw_segment.isascii() or _CONTROL.search(raw_segment):
        raise BadPath("the path holds control or non-ASCII characters")
    if _BAD_PERCENT.search(raw_segment):
        raise BadPath("bad percent-encoding in path")
    try:
        segment = unquote_to_bytes(raw_segment).decode("utf-8")
    except UnicodeDecodeError:
        raise BadPath("percent-encoded bytes in path are not UTF-8") from None
    if "/" in segment or "\\" in segment:
        raise BadPath("encoded slash or backslash in path")
    if _CONTROL.search(segment):
        raise BadPath("encoded control character (such as NUL) in path")
    if _DOUBLE_ENCODED.search(segment):
        raise BadPath("double percent-encoding in path")
    return segment
