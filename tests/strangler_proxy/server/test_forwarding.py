"""Forwarding correctness through a real proxy: headers, identity headers, errors as JSON."""
from __future__ import annotations

import asyncio
import http.client
import json
import logging
import socket

import pytest
from aiohttp import web

from tests.helpers import wait_for
from tests.strangler_proxy.conftest import build_request, raw_exchange, table_text


def error_of(reply) -> dict:
    assert reply.header("Content-Type").startswith("application/json")
    body = reply.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return body["error"]


def test_hop_by_hop_headers_and_the_ones_connection_names_never_reach_the_backend(make_proxy, backends) -> None:
    proxy = make_proxy()
    reply = proxy.request("GET", "/api/v1/catalog/products/", [
        ("Connection", "X-Secret, keep-alive"), ("X-Secret", "s3cret"), ("Keep-Alive", "timeout=5"),
        ("TE", "trailers"), ("Proxy-Authorization", "Basic eA=="), ("Upgrade", "websocket"), ("X-Kept", "yes")])
    assert reply.status == 200
    [seen] = backends["catalog"].hits
    names = {name.lower() for name in seen.headers}
    assert not names & {"x-secret", "keep-alive", "te", "proxy-authorization", "upgrade"}
    assert seen.headers["X-Kept"] == "yes"


def test_forwarding_headers_are_rebuilt_and_spoofed_ones_ignored(make_proxy, backends) -> None:
    proxy = make_proxy()
    proxy.request("GET", "/api/v1/catalog/products/", {"Host": "shop.test", "X-Forwarded-For": "6.6.6.6",
                                                       "X-Forwarded-Host": "evil.test", "X-Forwarded-Proto": "https"})
    seen = backends["catalog"].hits[-1].headers
    assert seen["X-Forwarded-For"] == "127.0.0.1"
    assert seen["X-Forwarded-Host"] == "shop.test"
    assert seen["X-Forwarded-Proto"] == "http"
    assert seen["Via"] == "1.1 strangler"
    assert seen["Host"] == f"127.0.0.1:{backends['catalog'].port}"


def test_a_trusted_hop_is_believed(make_proxy, backends) -> None:
    proxy = make_proxy(trusted_hops=1)
    proxy.request("GET", "/api/v1/catalog/products/", {"X-Forwarded-For": "6.6.6.6, 203.0.113.9",
                                                       "X-Forwarded-Proto": "https"})
    seen = backends["catalog"].hits[-1].headers
    assert seen["X-Forwarded-For"] == "203.0.113.9, 127.0.0.1"
    assert seen["X-Forwarded-Proto"] == "https"


def test_every_answer_names_its_route_backend_and_table_version(make_proxy, backends) -> None:
    proxy = make_proxy()
    reply = proxy.request("GET", "/api/v1/catalog/products/3/", {"X-Request-ID": "trace-abc"})
    assert reply.header("X-Strangler-Route") == "catalog-read"
    assert reply.header("X-Strangler-Backend") == "catalog"
    assert reply.header("X-Strangler-Table-Version") == "0"
    assert reply.header("X-Request-ID") == "trace-abc"
    assert backends["catalog"].hits[-1].headers["X-Request-ID"] == "trace-abc"
    assert reply.header("Via") == "1.1 strangler"


def test_a_request_id_is_created_when_missing_and_sent_both_ways(make_proxy, backends) -> None:
    reply = make_proxy().get("/api/v1/orders/")
    request_id = reply.header("X-Request-ID")
    assert request_id and len(request_id) == 32
    assert backends["monolith"].hits[-1].headers["X-Request-ID"] == request_id


def test_requests_no_route_names_go_to_the_monolith(make_proxy, backends) -> None:
    reply = make_proxy().get("/api/schema/?format=json")
    assert reply.status == 200 and reply.json()["backend"] == "monolith"
    assert reply.header("X-Strangler-Route") == "default"
    assert backends["monolith"].hits[-1].raw_path == "/api/schema/?format=json"


def test_the_query_string_and_bodies_pass_unchanged(make_proxy, backends) -> None:
    proxy = make_proxy()
    body = json.dumps({"name": "Lamp", "price": "9.90"}).encode()
    reply = proxy.request("POST", "/api/v1/catalog/products/?x=1&y=%20z", {"Content-Type": "application/json"}, body)
    assert reply.status == 200
    seen = backends["catalog"].hits[-1]
    assert seen.raw_path == "/api/v1/catalog/products/?x=1&y=%20z"
    assert seen.body == body and seen.headers["Content-Type"] == "application/json"


def test_repeated_response_headers_and_status_pass_through(make_proxy, backends) -> None:
    async def respond(request, body):
        response = web.Response(status=201, body=b"created", headers={"Content-Type": "text/plain"})
        response.headers.add("Set-Cookie", "a=1")
        response.headers.add("Set-Cookie", "b=2")
        return response

    backends["catalog"].respond = respond
    reply = make_proxy().request("POST", "/api/v1/catalog/products/", body=b"{}")
    assert reply.status == 201 and reply.body == b"created"
    assert reply.headers.get_all("Set-Cookie") == ["a=1", "b=2"]


def test_a_head_request_gets_the_headers_and_no_body(make_proxy, backends) -> None:
    async def respond(request, body):
        return web.Response(body=b"x" * 1234, content_type="application/octet-stream")

    backends["catalog"].respond = respond
    reply = make_proxy().request("HEAD", "/api/v1/catalog/products/")
    assert reply.status == 200 and reply.body == b""
    assert reply.header("Content-Length") == "1234"


def test_hop_by_hop_response_headers_are_removed(make_proxy, loop_thread, backends) -> None:
    answer = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: X-Internal\r\nX-Internal: leak\r\n"
              b"Keep-Alive: timeout=99\r\nProxy-Authenticate: Basic\r\nContent-Length: 2\r\n\r\nok")

    async def serve() -> asyncio.AbstractServer:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(answer)
            await writer.drain()
            writer.close()

        return await asyncio.start_server(handle, "127.0.0.1", 0)

    server = loop_thread.run(serve())
    port = server.sockets[0].getsockname()[1]
    proxy = make_proxy(table_text({"monolith": f"http://127.0.0.1:{port}", "catalog": backends["catalog"]}))
    reply = proxy.get("/anything")
    assert reply.status == 200 and reply.body == b"ok"
    for name in ("X-Internal", "Keep-Alive", "Proxy-Authenticate"):
        assert reply.header(name) is None
    server.close()


def test_an_unreachable_backend_is_a_json_502(make_proxy, backends) -> None:
    text = table_text({"monolith": backends["monolith"], "catalog": "http://127.0.0.1:1"})
    reply = make_proxy(text).request("POST", "/api/v1/catalog/products/", body=b"{}")
    assert reply.status == 502
    error = error_of(reply)
    assert error["code"] == "upstream_unreachable" and error["details"] == {"backend": "catalog"}
    assert reply.header("X-Strangler-Route") == "catalog-write"
    assert reply.header("X-Request-ID")


def test_a_backend_slower_than_its_read_timeout_is_a_json_504(make_proxy, backends) -> None:
    async def slow(request, body):
        await asyncio.sleep(1)
        return web.json_response({})

    backends["catalog"].respond = slow
    text = table_text(backends, backend_options="read_timeout = 0.2")
    reply = make_proxy(text).request("POST", "/api/v1/catalog/products/", body=b"{}")
    assert reply.status == 504 and error_of(reply)["code"] == "upstream_timeout"


def test_a_declared_body_over_the_limit_is_a_json_413_before_anything_is_sent(make_proxy, backends) -> None:
    proxy = make_proxy(body_limit=1000)
    reply = proxy.request("POST", "/api/v1/catalog/products/", body=b"x" * 1001)
    assert reply.status == 413
    assert error_of(reply)["details"] == {"limit": 1000}
    assert backends["catalog"].hits == []


def test_a_chunked_body_over_the_limit_is_cut_off_with_a_413(make_proxy, backends) -> None:
    backends["catalog"].read_body = False
    proxy = make_proxy(body_limit=100_000)
    chunk = b"y" * 30_000
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(5)) + b"0\r\n\r\n"
    raw = build_request("POST", "/api/v1/catalog/products/", {"Transfer-Encoding": "chunked"}) + body
    reply = raw_exchange(proxy.port, raw)
    assert reply.status == 413 and error_of(reply)["code"] == "body_too_large"


def test_a_chunked_body_under_the_limit_is_streamed_through(make_proxy, backends) -> None:
    proxy = make_proxy(body_limit=1_000_000)
    chunk = b"z" * 30_000
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(5)) + b"0\r\n\r\n"
    reply = raw_exchange(proxy.port, build_request("POST", "/api/v1/catalog/products/",
                                                   {"Transfer-Encoding": "chunked"}) + body)
    assert reply.status == 200
    assert backends["catalog"].hits[-1].body == chunk * 5


def test_a_per_route_body_limit_wins(make_proxy, backends) -> None:
    routes = """
[[routes]]
id = "upload"
context = "catalog"
backend = "catalog"
paths = ["/upload/"]
mode = "extracted"
body_limit = 10
"""
    proxy = make_proxy(table_text(backends, routes))
    assert proxy.request("POST", "/upload/", body=b"x" * 11).status == 413
    assert proxy.request("POST", "/other/", body=b"x" * 11).status == 200


def test_a_retired_route_answers_410_in_json(make_proxy) -> None:
    proxy = make_proxy(catalog_mode="retired")
    reply = proxy.get("/api/v1/catalog/products/")
    assert reply.status == 410 and error_of(reply)["code"] == "route_retired"


def test_an_unparsable_request_is_answered_in_json_too(make_proxy) -> None:
    proxy = make_proxy()
    reply = raw_exchange(proxy.port, b"GET /a\x00b HTTP/1.1\r\nHost: x\r\n\r\n")
    assert reply.status == 400 and error_of(reply)["code"] == "bad_request"
    reply = raw_exchange(proxy.port, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n")
    assert reply.status in (400, 431) and error_of(reply)


def test_the_reserved_prefix_is_never_forwarded(make_proxy, backends) -> None:
    proxy = make_proxy()
    reply = proxy.get("/_strangler/dashboard")
    assert reply.status == 404 and error_of(reply)["code"] == "not_found"
    assert proxy.get("/_strangler/healthz").json()["status"] == "ok"
    assert all(not seen.raw_path.startswith("/_strangler") for seen in backends["monolith"].requests)


def test_an_upstream_that_dies_mid_body_leaves_the_client_a_truncated_answer(make_proxy, backends) -> None:
    async def dies(request, body):
        response = web.StreamResponse()
        await response.prepare(request)
        await response.write(b"partial")
        request.transport.abort()
        return response

    backends["catalog"].respond = dies
    proxy = make_proxy()
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
        sock.sendall(build_request("GET", "/api/v1/catalog/products/"))
        response = http.client.HTTPResponse(sock)
        response.begin()
        assert response.status == 200
        with pytest.raises(http.client.IncompleteRead):
            response.read()


def test_each_request_writes_one_structured_log_line(make_proxy, caplog) -> None:
    proxy = make_proxy(access_log=True)
    with caplog.at_level(logging.INFO, logger="strangler.access"):
        proxy.request("GET", "/api/v1/catalog/products/?q=1", {"X-Request-ID": "log-me"})

        def logged() -> list[dict]:
            lines = [json.loads(line) for r in caplog.records if r.name == "strangler.access"
                     for line in r.getMessage().splitlines()]
            return [entry for entry in lines if entry["request_id"] == "log-me"]

        # Lines are written in batches, a moment after the request.
        [line] = wait_for(logged, timeout=10)
    assert line["status"] == 200 and line["route"] == "catalog-read" and line["backend"] == "catalog"
    assert line["method"] == "GET" and line["path"] == "/api/v1/catalog/products/"
    assert line["table_version"] == 0 and line["duration_ms"] >= 0


def test_a_short_answer_from_the_backend_is_a_json_502_before_anything_is_sent(make_proxy, loop_thread,
                                                                               backends) -> None:
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nonly ten.."

    async def serve() -> asyncio.AbstractServer:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(answer)
            await writer.drain()
            writer.close()

        return await asyncio.start_server(handle, "127.0.0.1", 0)

    server = loop_thread.run(serve())
    port = server.sockets[0].getsockname()[1]
    proxy = make_proxy(table_text({"monolith": f"http://127.0.0.1:{port}", "catalog": backends["catalog"]}))
    reply = proxy.request("POST", "/anything", body=b"{}")
    assert reply.status == 502 and error_of(reply)["code"] == "upstream_unreachable"
    server.close()


def test_expect_100_continue_is_answered_before_the_body_is_sent(make_proxy, backends) -> None:
    proxy = make_proxy()
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
        sock.sendall(build_request("POST", "/api/v1/catalog/products/", {"Expect": "100-continue",
                                                                          "Content-Length": "4"}))
        assert sock.recv(100).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        sock.sendall(b"body")
        response = http.client.HTTPResponse(sock)
        response.begin()
        assert response.status == 200
    assert backends["catalog"].hits[-1].body == b"body"
    assert "Expect" not in backends["catalog"].hits[-1].headers


def test_expect_100_continue_over_the_limit_gets_a_413_and_no_invitation(make_proxy) -> None:
    proxy = make_proxy(body_limit=10)
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
        sock.sendall(build_request("POST", "/api/v1/catalog/products/", {"Expect": "100-continue",
                                                                          "Content-Length": "100"}))
        response = http.client.HTTPResponse(sock)
        response.begin()
        assert response.status == 413
