"""Header rules for a proxy (RFC 9110 section 7.6).

Hop-by-hop headers, and every header a `Connection` header names, are removed in both
directions before the proxy adds its own: `X-Forwarded-For/-Proto/-Host`, `Via` and
`X-Request-ID`. Forwarding headers that arrive from the client are believed only for the
configured number of trusted proxies in front of this one: with 0, the client's own
`X-Forwarded-*` are dropped and replaced. The proxy's cookies and QA override header are
never passed to a backend.

The data plane applies the rules to headers as they came off the wire, `RawHeaders`:
(name, lower-cased name, value) byte strings, so a request costs no decoding, no dictionary
and no re-encoding (the benchmark in BENCHMARKS.md, Proxy, measured the multidict round trip
at several times the rest of the header work). `request_headers` and `response_headers`
apply the same rules to multidicts.
"""
from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterable

from multidict import CIMultiDict, CIMultiDictProxy

__all__ = [
    "HOP_BY_HOP",
    "VIA_PSEUDONYM",
    "RawHeaders",
    "client_address",
    "hop_by_hop_names",
    "HeadLines",
    "head_lines",
    "parse_head_lines",
    "proxy_request_head",
    "proxy_response_head",
    "raw_headers",
    "request_id_from",
    "request_headers",
    "response_headers",
]

RawHeaders = list[tuple[bytes, bytes, bytes]]

HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
    "te", "trailer", "transfer-encoding", "upgrade",
})
VIA_PSEUDONYM = "strangler"
# Set by the proxy or meant for it alone; a client-sent copy must not reach a backend.
_REQUEST_DROP = frozenset({
    "host", "expect", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded",
    "x-request-id", "x-strangler-override",
})
_PROXY_COOKIES = (b"strangler_override=", b"strangler_uid=")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,200}")
# Request ids need to be unique, not secret: 64 random bits per process, then a counter in
# the other 64, so making one is a counter step. The counter starts at a random point at
# or above 2**60, so its hex form always has 16 digits (for the next 2**63 requests).
_ID_PREFIX = os.urandom(8).hex()
_id_counter = itertools.count((1 << 60) + (int.from_bytes(os.urandom(8), "big") >> 2))

_HOP_B = frozenset(name.encode() for name in HOP_BY_HOP)
# Headers that frame a message or its connection: the HTTP writer sets them itself.
_WRITER_OWNED = frozenset({b"content-length", b"transfer-encoding", b"connection", b"keep-alive"})
# Dropped from the request as it passes; `via` is dropped and re-added with this proxy last.
_REQUEST_DROP_B = _HOP_B | frozenset(name.encode() for name in _REQUEST_DROP) | {b"via"}
_RESPONSE_DROP_B = _HOP_B | {b"via"}
# Connection tokens that name no header to drop beyond the fixed ones ("close" names none).
_REQUEST_IGNORABLE = _REQUEST_DROP_B | {b"close"}
_VIA_LINE = b"Via: 1.1 " + VIA_PSEUDONYM.encode() + b"\r\n"
# "X-Forwarded-For/-Proto" lines per (client address, scheme): the same few clients come back.
_forwarded_lines: dict[tuple[str, str], bytes] = {}
_RESPONSE_IGNORABLE = _RESPONSE_DROP_B | {b"close"}
# Heads already worked out, per distinct input (see proxy_request_head); bounded, since a
# head can be a few kilobytes.
_HEADS_REMEMBERED = 256
_request_heads: dict[tuple, tuple["HeadLines", str]] = {}
_response_heads: dict[tuple, "HeadLines"] = {}


def hop_by_hop_names(headers: CIMultiDictProxy[str] | CIMultiDict[str]) -> frozenset[str]:
    """Return the lower-cased names to strip: the fixed list plus those `Connection` names."""
    listed = headers.getall("Connection", ())
    if not listed:
        return HOP_BY_HOP
    named = {token.strip().lower() for value in listed for token in value.split(",") if token.strip()}
    return HOP_BY_HOP | named


def request_id_from(value: str | None) -> str:
    """Keep a well-formed incoming X-Request-ID, else make a new one (32 hex digits)."""
    if value and _REQUEST_ID.fullmatch(value):
        return value
    return _ID_PREFIX + hex(next(_id_counter))[2:]


def _forwarded_for(headers: CIMultiDictProxy[str]) -> list[str]:
    return [part.strip() for value in headers.getall("X-Forwarded-For", ()) for part in value.split(",")
            if part.strip()]


def client_address(headers: CIMultiDictProxy[str], remote: str, trusted_hops: int) -> str:
    """Return the client address as far as the trusted hops let us believe it."""
    if trusted_hops <= 0:
        return remote
    chain = _forwarded_for(headers)
    if not chain:
        return remote
    trusted = chain[-trusted_hops:]
    return trusted[0]


# --- the rules on raw headers (the data plane) ------------------------------------------------


class HeadLines:
    """Headers ready for the wire, without the ones that frame the message (the writer adds those).

    `lines`: b"Name: value\r\n" lines; `length`: the Content-Length they declared, if any;
    `has_date`, `has_type`: whether a Date, a Content-Type is among them.
    """

    __slots__ = ("lines", "length", "has_date", "has_type")

    def __init__(self, lines: bytes, length: bytes | None, has_date: bool = False, has_type: bool = False) -> None:
        self.lines = lines
        self.length = length
        self.has_date = has_date
        self.has_type = has_type

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, HeadLines):
            return NotImplemented
        return (self.lines, self.length, self.has_date, self.has_type) == \
            (other.lines, other.length, other.has_date, other.has_type)

    def __repr__(self) -> str:
        return f"HeadLines({self.lines!r}, {self.length!r}, has_date={self.has_date}, has_type={self.has_type})"


def _connection_named(value: bytes) -> set[bytes]:
    return {token.strip().lower() for token in value.split(b",") if token.strip()}


def _named_by_connection(raw: RawHeaders, drop: frozenset[bytes]) -> frozenset[bytes]:
    """Return `drop` plus every header name a Connection header lists."""
    named: set[bytes] = set()
    for _, lname, value in raw:
        if lname == b"connection":
            named |= _connection_named(value)
    return drop | named


def proxy_request_head(raw: RawHeaders, *, remote: str, scheme: str, trusted_hops: int, request_id: str,
                       http_version: str = "1.1") -> tuple[HeadLines, str]:
    """Return the headers to send upstream (without Host and framing) and the X-Forwarded-Proto they carry."""
    # The lines are a pure function of the client's headers and address: the same client
    # sends the same headers again and again, so the work is done once per distinct head.
    key = (tuple(raw), remote, scheme, trusted_hops, http_version)
    known = _request_heads.get(key)
    if known is None:
        if len(_request_heads) >= _HEADS_REMEMBERED:
            _request_heads.clear()  # a crude bound: the heads still in use come back at once
        known = _request_heads[key] = _request_head_lines(raw, remote, scheme, trusted_hops, http_version,
                                                          _REQUEST_DROP_B)
    head, proto = known
    return HeadLines(head.lines + b"X-Request-ID: " + request_id.encode() + b"\r\n", head.length), proto


def _request_head_lines(raw: RawHeaders, remote: str, scheme: str, trusted_hops: int, http_version: str,
                        drop: frozenset[bytes]) -> tuple[HeadLines, str]:
    parts: list[bytes] = []
    chunked = False
    length = host = forwarded_proto = forwarded_host = None
    vias: list[bytes] = []
    forwarded_for: list[bytes] = []
    for name, lname, value in raw:
        if lname in drop:
            if lname == b"connection":
                if drop is _REQUEST_DROP_B and not _connection_named(value) <= _REQUEST_IGNORABLE:
                    # Rare: names listed in Connection are dropped too; start over knowing them all.
                    return _request_head_lines(raw, remote, scheme, trusted_hops, http_version,
                                               _named_by_connection(raw, drop))
            elif lname == b"host":
                if host is None:
                    host = value
            elif lname == b"transfer-encoding":
                chunked = True
            elif lname == b"via":
                vias.append(value)
            elif lname == b"x-forwarded-for":
                forwarded_for.append(value)
            elif lname == b"x-forwarded-proto":
                if forwarded_proto is None:
                    forwarded_proto = value
            elif lname == b"x-forwarded-host":
                if forwarded_host is None:
                    forwarded_host = value
            continue
        if lname == b"content-length":
            length = value  # framing is the upstream client's: it sends the length the body has
            continue
        if lname == b"cookie" and b"strangler_" in value:
            value = _without_proxy_cookies(value)
            if not value:
                continue
        parts += (name, b": ", value, b"\r\n")
    if trusted_hops > 0:
        chain = [part.strip() for value in forwarded_for for part in value.split(b",") if part.strip()]
        chain = chain[-trusted_hops:]
        chain.append(remote.encode())
        proto = (forwarded_proto or scheme.encode()).decode("latin-1")
        host = forwarded_host or host
        parts += (b"X-Forwarded-For: ", b", ".join(chain), b"\r\nX-Forwarded-Proto: ", proto.encode(), b"\r\n")
    else:
        proto = scheme
        forwarded = _forwarded_lines.get((remote, scheme))
        if forwarded is None:
            if len(_forwarded_lines) >= 1024:
                _forwarded_lines.clear()
            forwarded = _forwarded_lines[(remote, scheme)] = \
                b"X-Forwarded-For: %s\r\nX-Forwarded-Proto: %s\r\n" % (remote.encode(), scheme.encode())
        parts.append(forwarded)
    if host:
        parts += (b"X-Forwarded-Host: ", host, b"\r\n")
    via = _VIA_LINE if not vias and http_version == "1.1" else b"Via: " + _via_b(vias, http_version) + b"\r\n"
    parts.append(via)
    return HeadLines(b"".join(parts), None if chunked else length), proto


_RESPONSE_SEEN = _RESPONSE_DROP_B | {b"content-length", b"date", b"content-type"}
_response_seen: dict[frozenset[bytes], frozenset[bytes]] = {}


def proxy_response_head(raw: RawHeaders, *, http_version: str = "1.1", replaced: frozenset[bytes] = frozenset(),
                        extra: bytes = b"") -> HeadLines:
    """Return the upstream answer's headers for the client, then `extra` lines (the proxy's own).

    `replaced` names the headers the proxy sets itself in `extra`; the backend's copies go.
    """
    # A backend answers the same headers again and again (Date changes once a second).
    key = (tuple(raw), http_version, replaced)
    head = _response_heads.get(key)
    if head is None:
        if len(_response_heads) >= _HEADS_REMEMBERED:
            _response_heads.clear()
        head = _response_heads[key] = _response_head_lines(raw, http_version, replaced, _RESPONSE_DROP_B)
    return HeadLines(head.lines + extra, head.length, head.has_date, head.has_type) if extra else head


def _response_head_lines(raw: RawHeaders, http_version: str, replaced: frozenset[bytes],
                         drop: frozenset[bytes]) -> HeadLines:
    seen = _response_seen.get(replaced)
    if seen is None or drop is not _RESPONSE_DROP_B:
        seen = _RESPONSE_SEEN | drop | replaced
        if drop is _RESPONSE_DROP_B:
            _response_seen[replaced] = seen
    parts: list[bytes] = []
    chunked = has_date = has_type = False
    length = None
    vias: list[bytes] = []
    for name, lname, value in raw:
        if lname in seen:
            if lname in drop:
                if lname == b"via":
                    vias.append(value)
                elif lname == b"transfer-encoding":
                    chunked = True
                elif lname == b"connection" and drop is _RESPONSE_DROP_B \
                        and not _connection_named(value) <= _RESPONSE_IGNORABLE:
                    # Rare: names listed in Connection are dropped too; start over knowing them all.
                    return _response_head_lines(raw, http_version, replaced, _named_by_connection(raw, drop))
                continue
            if lname == b"content-length":
                length = value
                continue
            if lname in replaced:
                continue
            if lname == b"date":
                has_date = True
            elif lname == b"content-type":
                has_type = True
        parts += (name, b": ", value, b"\r\n")
    via = _VIA_LINE if not vias and http_version == "1.1" else b"Via: " + _via_b(vias, http_version) + b"\r\n"
    parts.append(via)
    return HeadLines(b"".join(parts), None if chunked else length, has_date, has_type)


def head_lines(raw: RawHeaders) -> HeadLines:
    """Return headers (a proxy-made answer's) as HeadLines: framing and connection headers left out."""
    parts: list[bytes] = []
    length = None
    has_date = has_type = False
    for name, lname, value in raw:
        if lname in _WRITER_OWNED:
            if lname == b"content-length":
                length = value
            continue
        if lname == b"date":
            has_date = True
        elif lname == b"content-type":
            has_type = True
        parts += (name, b": ", value, b"\r\n")
    return HeadLines(b"".join(parts), length, has_date, has_type)


def parse_head_lines(lines: bytes) -> list[tuple[str, str]]:
    """Return (name, value) text pairs from HeadLines.lines."""
    pairs = []
    for line in lines.split(b"\r\n"):
        if line:
            name, _, value = line.partition(b": ")
            pairs.append((name.decode("latin-1"), value.decode("latin-1")))
    return pairs


def _via_b(existing: list[bytes], http_version: str) -> bytes:
    ours = b"1.1 strangler" if http_version == "1.1" else f"{http_version} {VIA_PSEUDONYM}".encode()
    return b", ".join([*existing, ours]) if existing else ours


def _without_proxy_cookies(header: bytes) -> bytes:
    kept = [part for part in (p.strip() for p in header.split(b";"))
            if part and not part.startswith(_PROXY_COOKIES)]
    return b"; ".join(kept)


# --- the same rules on multidicts ---------------------------------------------------------------


def _encode(text: str) -> bytes:
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape")


def raw_headers(headers: Iterable[tuple[str, str]]) -> RawHeaders:
    """Return (name, value) text pairs as RawHeaders."""
    return [(_encode(name), _encode(name.lower()), _encode(value)) for name, value in headers]


def request_headers(
    incoming: CIMultiDictProxy[str],
    *,
    remote: str,
    scheme: str,
    trusted_hops: int,
    request_id: str,
    http_version: str = "1.1",
) -> CIMultiDict[str]:
    """Return the headers to send upstream (the upstream client adds Host and the framing)."""
    head, _ = proxy_request_head(raw_headers(incoming.items()), remote=remote, scheme=scheme,
                                 trusted_hops=trusted_hops, request_id=request_id, http_version=http_version)
    return CIMultiDict(parse_head_lines(head.lines))


def response_headers(upstream: CIMultiDictProxy[str], *, http_version: str = "1.1") -> CIMultiDict[str]:
    """Return the upstream response headers to send to the client (the writer adds the framing)."""
    head = proxy_response_head(raw_headers(upstream.items()), http_version=http_version)
    return CIMultiDict(parse_head_lines(head.lines))
