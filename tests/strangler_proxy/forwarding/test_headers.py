"""Hop-by-hop headers go, forwarding headers are rebuilt, and only trusted hops are believed."""
from __future__ import annotations

from multidict import CIMultiDict, CIMultiDictProxy

from strangler_proxy.forwarding.headers import (
    client_address,
    request_headers,
    request_id_from,
    response_headers,
)


def incoming(*pairs: tuple[str, str]) -> CIMultiDictProxy[str]:
    return CIMultiDictProxy(CIMultiDict(pairs))


def forward(*pairs: tuple[str, str], hops: int = 0) -> CIMultiDict[str]:
    return request_headers(incoming(("Host", "shop.test"), *pairs), remote="10.1.1.1", scheme="http",
                           trusted_hops=hops, request_id="rid-1")


def test_fixed_hop_by_hop_headers_are_removed() -> None:
    out = forward(("Keep-Alive", "timeout=5"), ("TE", "trailers"), ("Trailer", "X"), ("Upgrade", "h2c"),
                  ("Proxy-Authorization", "Basic x"), ("Proxy-Connection", "keep-alive"),
                  ("Transfer-Encoding", "chunked"), ("Connection", "keep-alive"), ("Accept", "application/json"))
    for name in ("Keep-Alive", "TE", "Trailer", "Upgrade", "Proxy-Authorization", "Proxy-Connection",
                 "Transfer-Encoding", "Connection"):
        assert name not in out
    assert out["Accept"] == "application/json"


def test_every_header_named_in_connection_is_removed_too() -> None:
    out = forward(("Connection", "X-Secret, x-other"), ("Connection", "close"), ("X-Secret", "1"),
                  ("X-Other", "2"), ("X-Kept", "3"))
    assert "X-Secret" not in out and "X-Other" not in out and out["X-Kept"] == "3"


def test_with_no_trusted_hops_client_forwarding_headers_are_replaced() -> None:
    out = forward(("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-Proto", "https"),
                  ("X-Forwarded-Host", "evil.test"), ("Forwarded", "for=6.6.6.6"))
    assert out["X-Forwarded-For"] == "10.1.1.1"
    assert out["X-Forwarded-Proto"] == "http"
    assert out["X-Forwarded-Host"] == "shop.test"
    assert "Forwarded" not in out


def test_only_the_configured_number_of_hops_is_believed() -> None:
    out = forward(("X-Forwarded-For", "6.6.6.6, 203.0.113.7"), ("X-Forwarded-For", "198.51.100.2"),
                  ("X-Forwarded-Proto", "https"), hops=2)
    assert out["X-Forwarded-For"] == "203.0.113.7, 198.51.100.2, 10.1.1.1"
    assert out["X-Forwarded-Proto"] == "https"
    headers = incoming(("X-Forwarded-For", "6.6.6.6, 203.0.113.7, 198.51.100.2"))
    assert client_address(headers, "10.1.1.1", 2) == "203.0.113.7"
    assert client_address(headers, "10.1.1.1", 0) == "10.1.1.1"
    assert client_address(incoming(), "10.1.1.1", 3) == "10.1.1.1"


def test_via_is_appended_and_the_host_is_left_to_the_upstream_client() -> None:
    out = forward(("Via", "1.1 edge"))
    assert out["Via"] == "1.1 edge, 1.1 strangler"
    assert "Host" not in out


def test_the_request_id_is_set_and_the_override_and_proxy_cookies_are_not_forwarded() -> None:
    out = forward(("X-Request-ID", "spoofed"), ("X-Strangler-Override", "token"),
                  ("Cookie", "session=abc; strangler_override=tok; strangler_uid=u.sig; theme=dark"))
    assert out["X-Request-ID"] == "rid-1"
    assert "X-Strangler-Override" not in out
    assert out["Cookie"] == "session=abc; theme=dark"
    assert "Cookie" not in forward(("Cookie", "strangler_uid=u.sig"))


def test_a_chunked_request_never_carries_a_content_length_upstream() -> None:
    out = forward(("Transfer-Encoding", "chunked"), ("Content-Length", "5"))
    assert "Content-Length" not in out and "Transfer-Encoding" not in out


def test_response_hop_by_hop_headers_are_removed_and_via_added() -> None:
    upstream = incoming(("Connection", "keep-alive, X-Internal"), ("Keep-Alive", "timeout=5"), ("X-Internal", "1"),
                        ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("Transfer-Encoding", "chunked"),
                        ("Content-Length", "3"), ("Content-Type", "application/json"))
    out = response_headers(upstream)
    assert out.getall("Set-Cookie") == ["a=1", "b=2"]
    for name in ("Connection", "Keep-Alive", "X-Internal", "Transfer-Encoding", "Content-Length"):
        assert name not in out
    assert out["Via"] == "1.1 strangler"


def test_a_well_formed_request_id_is_kept_and_anything_else_replaced() -> None:
    assert request_id_from("abc-123_x.y") == "abc-123_x.y"
    for bad in (None, "", "a b", "x" * 300, "bad\u00e9"):
        fresh = request_id_from(bad)
        assert fresh != bad and len(fresh) == 32


def test_a_remembered_head_still_carries_each_requests_own_id_and_client() -> None:
    first = request_headers(incoming(("Host", "shop.test"), ("Accept", "*/*")), remote="10.1.1.1",
                            scheme="http", trusted_hops=0, request_id="rid-1")
    again = request_headers(incoming(("Host", "shop.test"), ("Accept", "*/*")), remote="10.1.1.1",
                            scheme="http", trusted_hops=0, request_id="rid-2")
    other = request_headers(incoming(("Host", "shop.test"), ("Accept", "*/*")), remote="10.2.2.2",
                            scheme="https", trusted_hops=0, request_id="rid-3")
    assert (first["X-Request-ID"], again["X-Request-ID"], other["X-Request-ID"]) == ("rid-1", "rid-2", "rid-3")
    assert first.getall("X-Request-ID") == ["rid-1"]
    assert (again["X-Forwarded-For"], other["X-Forwarded-For"]) == ("10.1.1.1", "10.2.2.2")
    assert other["X-Forwarded-Proto"] == "https"


def test_remembered_heads_are_bounded() -> None:
    from strangler_proxy.forwarding import headers

    for number in range(headers._HEADS_REMEMBERED * 3):
        request_headers(incoming(("Host", "shop.test"), ("X-N", str(number))), remote="10.1.1.1",
                        scheme="http", trusted_hops=0, request_id="rid")
        response_headers(incoming(("X-N", str(number))))
    assert len(headers._request_heads) <= headers._HEADS_REMEMBERED
    assert len(headers._response_heads) <= headers._HEADS_REMEMBERED
