"""The upstream pool: keep-alive reuse, one safe retry on a dead pooled connection, open circuits."""
from __future__ import annotations

import asyncio

import pytest
from multidict import CIMultiDict

from strangler_proxy.errors import BackendUnavailable, UpstreamUnreachable
from strangler_proxy.forwarding.upstream import OutboundRequest, UpstreamPool
from strangler_proxy.routing.model import BackendSpec


class OneShotServer:
    """Answers the first request of each connection with keep-alive, then drops the connection
    without answering the second: what a backend closing an idle connection looks like."""

    def __init__(self) -> None:
        self.connections = 0
        self.answered = 0
        self.server: asyncio.AbstractServer | None = None

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        await reader.readuntil(b"\r\n\r\n")
        self.answered += 1
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        try:
            await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.transport.abort()

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def stop(self) -> None:
        # On the server's own loop: asyncio servers are not thread-safe.
        self.server.close()
        await self.server.wait_closed()


def send(pool: UpstreamPool, method: str) -> int:
    async def go() -> int:
        response = await pool.send("b", OutboundRequest(method, "/", CIMultiDict(), b"" if method == "POST" else None))
        status = response.status
        response.release()
        return status

    return go()


def test_a_safe_request_is_retried_once_on_a_pooled_connection_the_backend_dropped(loop_thread) -> None:
    server = OneShotServer()
    url = loop_thread.run(server.start())
    pool = UpstreamPool({"b": BackendSpec("b", (url,), None)})
    loop_thread.run(pool.start())
    try:
        assert loop_thread.run(send(pool, "GET")) == 200
        assert loop_thread.run(send(pool, "GET")) == 200  # pooled connection dead: retried on a new one
        assert server.connections == 2 and server.answered == 2
    finally:
        loop_thread.run(pool.close())
        loop_thread.run(server.stop())


def test_a_post_on_a_dropped_pooled_connection_is_not_retried(loop_thread) -> None:
    server = OneShotServer()
    url = loop_thread.run(server.start())
    pool = UpstreamPool({"b": BackendSpec("b", (url,), None)})
    loop_thread.run(pool.start())
    try:
        assert loop_thread.run(send(pool, "POST")) == 200
        with pytest.raises(UpstreamUnreachable) as caught:
            loop_thread.run(send(pool, "POST"))
        assert caught.value.request_sent and server.answered == 1
    finally:
        loop_thread.run(pool.close())
        loop_thread.run(server.stop())


def test_when_every_circuit_is_open_nothing_is_sent(loop_thread) -> None:
    pool = UpstreamPool({"b": BackendSpec("b", ("http://127.0.0.1:1", "http://127.0.0.1:2"), None,
                                          failure_threshold=1, reset_timeout=60)})
    loop_thread.run(pool.start())
    try:
        for _ in range(2):
            with pytest.raises(UpstreamUnreachable):
                loop_thread.run(send(pool, "GET"))
        with pytest.raises(BackendUnavailable) as caught:
            loop_thread.run(send(pool, "GET"))
        assert not caught.value.request_sent and caught.value.status == 503
    finally:
        loop_thread.run(pool.close())


def test_reconfiguring_keeps_the_state_of_unchanged_instances() -> None:
    spec = BackendSpec("b", ("http://127.0.0.1:1",), None, failure_threshold=1)
    pool = UpstreamPool({"b": spec})
    [instance] = pool.instances
    instance.circuit.record_failure()
    pool.configure({"b": spec, "c": BackendSpec("c", ("http://127.0.0.1:3",), None)})
    assert pool.instances[0] is instance and instance.circuit.state == "open"
    assert pool.backend_spec("c") is not None
