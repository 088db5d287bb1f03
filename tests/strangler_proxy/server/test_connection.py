"""The proxy's client connections: keep-alive, pipelining, HTTP/1.0, framing of the answers, refused heads."""
from __future__ import annotations

import asyncio
import http.client
import json
import logging
import socket

from aiohttp import web

from tests.helpers import wait_for
from tests.strangler_proxy.conftest import build_request

PRODUCTS = "/api/v1/catalog/products/"


class _Stream:
    """One buffered reader over a socket for several answers (http.client reads ahead, then closes it)."""

    def __init__(self, sock: socket.socket) -> None:
        self._file = sock.makefile("rb")

    def makefile(self, mode: str) -> object:
        return self

    def close(self) -> None:
        pass

    def __getattr__(self, name: str) -> object:
        return getattr(self._file, name)


def read_answer(sock: socket.socket | _Stream, method: str = "GET") -> http.client.HTTPResponse:
    response = http.client.HTTPResponse(sock, method=method)  # type: ignore[arg-type]
    response.begin()
    return response


def keep_alive(method: str, path: str, headers: dict[str, str] | None = None) -> bytes:
    return build_request(method, path, {"Connection": "keep-alive", **(headers or {})})


def test_one_client_connection_carries_request_after_request(make_proxy, backends) -> None:
    proxy = make_proxy()
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
        for path in (PRODUCTS, "/api/v1/orders/", f"{PRODUCTS}7/"):
            sock.sendall(keep_alive("GET", path))
            response = read_answer(sock)
            assert response.status == 200 and json.loads(response.read())["path"] == path
            assert response.getheader("Connection") is None
        sock.sendall(build_request("GET", PRODUCTS))  # Connection: close
        response = read_answer(sock)
        assert response.getheader("Connection") == "close"
        response.read()
        assert sock.recv(10) == b""


def test_pipelined_requests_are_answered_in_order(make_proxy, backends) -> None:
    proxy = make_proxy()
    paths = [f"{PRODUCTS}{n}/" for n in range(5)] + ["/api/v1/orders/"]
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
        sock.sendall(b"".join(keep_alive("GET", path) for path in paths))
        stream = _Stream(sock)
        for path in paths:
            response = read_answer(stream)
            assert json.loads(response.read())["path"] == path


def test_an_http_1_0_client_gets_an_http_1_0_answer_and_the_connection_closes(make_proxy, backends) -> None:
    proxy = make_proxy()
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
        sock.sendall(f"GET {PRODUCTS} HTTP/1.0\r\nHost: proxy.test\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 200 ") and json.loads(body)["backend"] == "catalog"


def test_an_answer_of_unknown_length_is_chunked_to_the_client(make_proxy, backends) -> None:
    async def stream(request, body):
        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        await response.prepare(request)
        for piece in (b"one ", b"two ", b"three"):
            await response.write(piece)
        await response.write_eof()
        return response

    backends["catalog"].respond = stream
    proxy = make_proxy()
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
        sock.sendall(keep_alive("GET", PRODUCTS))
        response = read_answer(sock)
        assert response.getheader("Transfer-Encoding") == "chunked" and response.read() == b"one two three"
        sock.sendall(keep_alive("GET", PRODUCTS))  # and the connection is still good
        assert read_answer(sock).read() == b"one two three"


def test_bodiless_answers_reach_the_client_without_a_body(make_proxy, backends) -> None:
    async def no_content(request, body):
        return web.Response(status=204 if request.method == "DELETE" else 304)

    backends["catalog"].respond = no_content
    proxy = make_proxy()
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
        for method, status in (("DELETE", 204), ("GET", 304), ("GET", 304)):
            sock.sendall(keep_alive(method, f"{PRODUCTS}1/"))
            response = read_answer(sock, method)
            assert response.status == status and response.read() == b""
            assert response.getheader("Content-Length") is None


def test_a_date_is_added_when_the_backend_sends_none(make_proxy, backends) -> None:
    reply = make_proxy().get("/_strangler/healthz")
    assert reply.header("Date") and reply.header("Content-Type") == "application/json"


def test_a_head_too_large_is_refused_with_a_json_431_and_the_connection_closed(make_proxy, backends) -> None:
    proxy = make_proxy()
    many = [(f"X-Filler-{n}", "v" * 1000) for n in range(80)]
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
        sock.sendall(build_request("GET", PRODUCTS, many))
        response = read_answer(sock)
        assert response.status == 431
        assert json.loads(response.read())["error"]["code"] == "headers_too_large"
        assert sock.recv(10) == b""
    assert backends["catalog"].hits == []


def test_a_request_after_a_refused_one_on_the_same_connection_is_not_answered(make_proxy, backends) -> None:
    proxy = make_proxy()
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
        sock.sendall(b"GET /a\x00b HTTP/1.1\r\nHost: x\r\n\r\n" + keep_alive("GET", PRODUCTS))
        response = read_answer(sock)
        assert response.status == 400 and response.getheader("Connection") == "close"
        response.read()
        assert sock.recv(10) == b""
    assert backends["catalog"].hits == []


def test_a_client_that_leaves_before_its_answer_is_logged_as_499(make_proxy, backends, caplog) -> None:
    async def slow(request, body):
        await asyncio.sleep(1)
        return web.json_response({})

    backends["catalog"].respond = slow
    proxy = make_proxy(access_log=True)
    with caplog.at_level(logging.INFO, logger="strangler.access"):
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
            sock.sendall(build_request("GET", PRODUCTS, {"X-Request-ID": "gone-early"}))
            wait_for(lambda: backends["catalog"].hits, timeout=10)

        def logged() -> list[dict]:
            lines = [json.loads(line) for r in caplog.records if r.name == "strangler.access"
                     for line in r.getMessage().splitlines()]
            return [entry for entry in lines if entry["request_id"] == "gone-early"]

        [line] = wait_for(logged, timeout=10)
    assert line["status"] == 499 and line["error"] == "client disconnected"
