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

import os
import random
import re
from collections.abc import Iterable

from multidict import CIMultiDict, CIMultiDictProxy

__all__ = [
    "HOP_BY_HOP",
    "VIA_PSEUDONYM",
    "RawHeaders",
    "client_address",
    "hop_by_hop_names",
    "proxy_request_headers",
    "proxy_response_headers",
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
# Request ids need to be unique, not secret: a generator seeded from os.urandom in each
# process, without a system call per request.
_ids = random.Random(os.urandom(32))

_HOP_B = frozenset(name.encode() for name in HOP_BY_HOP)
# Dropped from the request as it passes; `via` is dropped and re-added with this proxy last.
_REQUEST_DROP_B = _HOP_B | frozenset(name.encode() for name in _REQUEST_DROP) | {b"via"}
_RESPONSE_DROP_B = _HOP_B | {b"via"}


def hop_by_hop_names(headers: CIMultiDictProxy[str] | CIMultiDict[str]) -> frozenset[str]:
    """Return the lower-cased names to strip: the fixed list plus those `Connection` names."""
    listed = headers.getall("Connection", ())
    if not listed:
        return HOP_BY_HOP
    named = {token.strip().lower() for value in listed for token in value.split(",") if token.strip()}
    return HOP_BY_HOP | named


def request_id_from(value: str | None) -> str:
    """Keep a well-formed incoming X-Request-ID, else make a new one (128 random bits, hex)."""
    if value and _REQUEST_ID.fullmatch(value):
        return value
    return "%032x" % _ids.getrandbits(128)


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


def _connection_named(value: bytes) -> set[bytes]:
    return {token.strip().lower() for token in value.split(b",") if token.strip()}


def proxy_request_headers(raw: RawHeaders, *, remote: str, scheme: str, trusted_hops: int, request_id: str,
                          http_version: str = "1.1") -> tuple[RawHeaders, str]:
    """Return the headers to send upstream and the X-Forwarded-Proto they carry."""
    out: RawHeaders = []
    named: set[bytes] | None = None
    chunked = False
    host = forwarded_proto = forwarded_host = None
    vias: list[bytes] = []
    forwarded_for: list[bytes] = []
    for header in raw:
        lname = header[1]
        if lname in _REQUEST_DROP_B:
            if lname == b"connection":
                named = _connection_named(header[2]) | (named or set())
            elif lname == b"host":
                if host is None:
                    host = header[2]
            elif lname == b"transfer-encoding":
                chunked = True
            elif lname == b"via":
                vias.append(header[2])
            elif lname == b"x-forwarded-for":
                forwarded_for.append(header[2])
            elif lname == b"x-forwarded-proto":
                if forwarded_proto is None:
                    forwarded_proto = header[2]
            elif lname == b"x-forwarded-host":
                if forwarded_host is None:
                    forwarded_host = header[2]
            continue
        if lname == b"cookie" and b"strangler_" in header[2]:
            value = _without_proxy_cookies(header[2])
            if not value:
                continue
            header = (header[0], lname, value)
        out.append(header)
    if named or chunked:
        out = [h for h in out if not (named and h[1] in named) and not (chunked and h[1] == b"content-length")]
    if trusted_hops > 0:
        chain = [part.strip() for value in forwarded_for for part in value.split(b",") if part.strip()]
        chain = chain[-trusted_hops:]
        chain.append(remote.encode())
        out.append((b"X-Forwarded-For", b"x-forwarded-for", b", ".join(chain)))
        proto = (forwarded_proto or scheme.encode()).decode("latin-1")
        host = forwarded_host or host
    else:
        out.append((b"X-Forwarded-For", b"x-forwarded-for", remote.encode()))
        proto = scheme
    out.append((b"X-Forwarded-Proto", b"x-forwarded-proto", proto.encode()))
    if host:
        out.append((b"X-Forwarded-Host", b"x-forwarded-host", host))
    out.append((b"Via", b"via", _via_b(vias, http_version)))
    out.append((b"X-Request-ID", b"x-request-id", request_id.encode()))
    return out, proto


def proxy_response_headers(raw: RawHeaders, *, http_version: str = "1.1",
                           replaced: frozenset[bytes] = frozenset()) -> RawHeaders:
    """Return the upstream answer's headers to pass to the client (`replaced` ones are the proxy's to set)."""
    out: RawHeaders = []
    named: set[bytes] | None = None
    chunked = False
    vias: list[bytes] = []
    for header in raw:
        lname = header[1]
        if lname in _RESPONSE_DROP_B:
            if lname == b"connection":
                named = _connection_named(header[2]) | (named or set())
            elif lname == b"transfer-encoding":
                chunked = True
            elif lname == b"via":
                vias.append(header[2])
            continue
        if lname in replaced:
            continue
        out.append(header)
    if named or chunked:
        out = [h for h in out if not (named and h[1] in named) and not (chunked and h[1] == b"content-length")]
    out.append((b"Via", b"via", _via_b(vias, http_version)))
    return out


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


def _multidict(raw: RawHeaders) -> CIMultiDict[str]:
    return CIMultiDict([(name.decode("latin-1"), value.decode("latin-1")) for name, _, value in raw])


def request_headers(
    incoming: CIMultiDictProxy[str],
    *,
    remote: str,
    scheme: str,
    trusted_hops: int,
    request_id: str,
    http_version: str = "1.1",
) -> CIMultiDict[str]:
    """Return the headers to send upstream."""
    out, _ = proxy_request_headers(raw_headers(incoming.items()), remote=remote, scheme=scheme,
                                   trusted_hops=trusted_hops, request_id=request_id, http_version=http_version)
    return _multidict(out)


def response_headers(upstream: CIMultiDictProxy[str], *, http_version: str = "1.1") -> CIMultiDict[str]:
    """Return the upstream response headers to send to the client."""
    return _multidict(proxy_response_headers(raw_headers(upstream.items()), http_version=http_version))
