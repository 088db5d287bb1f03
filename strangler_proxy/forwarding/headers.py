"""Header rules for a proxy (RFC 9110 section 7.6).

Hop-by-hop headers, and every header a `Connection` header names, are removed in both
directions before the proxy adds its own: `X-Forwarded-For/-Proto/-Host`, `Via` and
`X-Request-ID`. Forwarding headers that arrive from the client are believed only for the
configured number of trusted proxies in front of this one: with 0, the client's own
`X-Forwarded-*` are dropped and replaced. The proxy's cookies and QA override header are
never passed to a backend.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable

from multidict import CIMultiDict, CIMultiDictProxy

__all__ = [
    "HOP_BY_HOP",
    "VIA_PSEUDONYM",
    "client_address",
    "hop_by_hop_names",
    "request_id_from",
    "request_headers",
    "response_headers",
]

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
_PROXY_COOKIES = ("strangler_override=", "strangler_uid=")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,200}")


def hop_by_hop_names(headers: CIMultiDictProxy[str] | CIMultiDict[str]) -> frozenset[str]:
    """Return the lower-cased names to strip: the fixed list plus those `Connection` names."""
    listed = headers.getall("Connection", ())
    if not listed:
        return HOP_BY_HOP
    named = {token.strip().lower() for value in listed for token in value.split(",") if token.strip()}
    return HOP_BY_HOP | named


def request_id_from(value: str | None) -> str:
    """Keep a well-formed incoming X-Request-ID, else make a new one."""
    if value and _REQUEST_ID.fullmatch(value):
        return value
    return os.urandom(16).hex()


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
    drop = hop_by_hop_names(incoming) | _REQUEST_DROP
    chunked = "Transfer-Encoding" in incoming
    out: CIMultiDict[str] = CIMultiDict()
    for name, value in incoming.items():
        lowered = name.lower()
        if lowered in drop or (chunked and lowered == "content-length"):
            continue
        if lowered == "cookie" and "strangler_" in value:
            value = _without_proxy_cookies(value)
            if not value:
                continue
        out.add(name, value)
    believed = trusted_hops > 0
    chain = _forwarded_for(incoming)[-trusted_hops:] if believed else []
    out["X-Forwarded-For"] = ", ".join([*chain, remote])
    out["X-Forwarded-Proto"] = (believed and incoming.get("X-Forwarded-Proto")) or scheme
    host = (believed and incoming.get("X-Forwarded-Host")) or incoming.get("Host")
    if host:
        out["X-Forwarded-Host"] = host
    out["Via"] = _via(incoming.getall("Via", ()), http_version)
    out["X-Request-ID"] = request_id
    return out


def response_headers(upstream: CIMultiDictProxy[str], *, http_version: str = "1.1") -> CIMultiDict[str]:
    """Return the upstream response headers to send to the client."""
    drop = hop_by_hop_names(upstream)
    chunked = "Transfer-Encoding" in upstream
    out: CIMultiDict[str] = CIMultiDict()
    for name, value in upstream.items():
        lowered = name.lower()
        if lowered in drop or lowered == "via" or (chunked and lowered == "content-length"):
            continue
        out.add(name, value)
    out["Via"] = _via(upstream.getall("Via", ()), http_version)
    return out


def _via(existing: Iterable[str], http_version: str) -> str:
    ours = f"{http_version} {VIA_PSEUDONYM}"
    return ", ".join([*existing, ours])


def _without_proxy_cookies(header: str) -> str:
    kept = [part for part in (p.strip() for p in header.split(";"))
            if part and not part.startswith(_PROXY_COOKIES)]
    return "; ".join(kept)
