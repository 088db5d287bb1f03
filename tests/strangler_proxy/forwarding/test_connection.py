"""The upstream HTTP/1.1 client: interim and bodiless answers, framing, keep-alive reuse, the connection limit."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from multidict import CIMultiDict

from strangler_proxy.errors import UpstreamTimeout
from strangler_proxy.forwarding.pool import ConnectionPool
from strangler_proxy.forwarding.upstream import OutboundRequest, UpstreamPool
from strangler_proxy.routing.model import BackendSpec


class ScriptedBackend:
    """Answers each request head with the next scripted bytes; counts connections, keeps what it read."""

    def __init__(self, *answers: bytes | list[bytes], close_after: bool = False, hang: bool = False) -> None:
        self.answers = list(answers)
        self.close_after = close_after
        self.hang = hang
        self.connections = 0
        self.received: list[bytes] = []
        self.server: asyncio.AbstractServer | None = None
        self.tasks: set[asyncio.Task] = set()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.tasks.add(asyncio.current_task())
        try:
            while self.answers:
                head = await reader.readuntil(b"\r\n\r\n")
                body = b""
                if b"transfer-encoding: chunked" in head.lower():
                    body = await reader.readuntil(b"0\r\n\r\n")
                elif b"content-length:" in head.lower():
                    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                    body = await reader.readexactly(length)
                self.received.append(head + body)
                answer = self.answers.pop(0)
                for piece in answer if isinstance(answer, list) else [answer]:
                    writer.write(piece)
                    await writer.drain()
                    await asyncio.sleep(0.01)
                if self.close_after:
                    break
            if self.hang:
                await asyncio.sleep(3600)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def stop(self) -> None:
        self.server.close()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


@pytest.fixture
def upstream(loop_thread):
    """Start a scripted backend and an UpstreamPool in front of it: `upstream(*answers, **options)`."""
    started: list[tuple[ScriptedBackend, UpstreamPool]] = []

    def start(*answers: bytes | list[bytes], read_timeout: float = 5.0, **options) -> tuple[ScriptedBackend,
                                                                                           UpstreamPool]:
        backend = ScriptedBackend(*answers, **options)
        url = loop_thread.run(backend.start())
        pool = UpstreamPool({"b": BackendSpec("b", (url,), None, read_timeout=read_timeout)})
        loop_thread.run(pool.start())
        started.append((backend, pool))
        return backend, pool

    yield start
    for backend, pool in started:
        loop_thread.run(pool.close())
        loop_thread.run(backend.stop())


def exchange(loop_thread, pool: UpstreamPool, method: str = "GET", body=None, headers=None) -> tuple[int, bytes, dict]:
    async def go() -> tuple[int, bytes, dict]:
        response = await pool.send("b", OutboundRequest(method, "/x", CIMultiDict(headers or {}), body))
        data = b"".join([chunk async for chunk in response.iter_chunks()])
        response.release()
        return response.status, data, dict(response.headers)

    return loop_thread.run(go())


def test_interim_1xx_answers_are_skipped_for_the_final_one(loop_thread, upstream) -> None:
    _, pool = upstream(b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
                       b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    status, body, headers = exchange(loop_thread, pool)
    assert status == 200 and body == b"ok" and "Link" not in headers


def test_204_and_304_answers_have_no_body_and_the_connection_is_kept(loop_thread, upstream) -> None:
    backend, pool = upstream(b"HTTP/1.1 204 No Content\r\n\r\n",
                             b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
                             b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext")
    assert exchange(loop_thread, pool)[:2] == (204, b"")
    assert exchange(loop_thread, pool)[:2] == (304, b"")
    assert exchange(loop_thread, pool)[:2] == (200, b"next")
    assert backend.connections == 1


def test_an_answer_to_head_has_no_body_whatever_its_length_says(loop_thread, upstream) -> None:
    backend, pool = upstream(b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n",
                             b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext")
    status, body, headers = exchange(loop_thread, pool, "HEAD")
    assert (status, body, headers["Content-Length"]) == (200, b"", "1234")
    assert exchange(loop_thread, pool)[:2] == (200, b"next")
    assert backend.connections == 1


def test_a_chunked_answer_arrives_whole_in_pieces(loop_thread, upstream) -> None:
    pieces = [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", b"5\r\nhello\r\n", b"6\r\n world\r\n",
              b"0\r\n\r\n"]
    backend, pool = upstream(pieces, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    status, body, _ = exchange(loop_thread, pool)
    assert (status, body) == (200, b"hello world")
    assert exchange(loop_thread, pool)[:2] == (200, b"ok")
    assert backend.connections == 1


def test_an_answer_that_ends_with_the_connection_is_read_to_its_end(loop_thread, upstream) -> None:
    backend, pool = upstream([b"HTTP/1.0 200 OK\r\n\r\n", b"until ", b"the end"],
                             b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", close_after=True)
    assert exchange(loop_thread, pool)[:2] == (200, b"until the end")
    assert exchange(loop_thread, pool)[:2] == (200, b"ok")
    assert backend.connections == 2


def test_keep_alive_connections_are_reused(loop_thread, upstream) -> None:
    backend, pool = upstream(*[b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"] * 20)
    for _ in range(20):
        assert exchange(loop_thread, pool)[:2] == (200, b"ok")
    assert backend.connections == 1


def test_a_body_of_unknown_length_goes_upstream_chunked(loop_thread, upstream) -> None:
    async def stream() -> AsyncIterator[bytes]:
        for piece in (b"abc", b"", b"defg"):
            yield piece

    backend, pool = upstream(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
    assert exchange(loop_thread, pool, "POST", stream())[0] == 201
    [sent] = backend.received
    assert b"Transfer-Encoding: chunked\r\n" in sent and sent.endswith(b"3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n")
    assert b"Host: 127.0.0.1:" in sent


def test_a_body_in_memory_goes_with_its_length(loop_thread, upstream) -> None:
    backend, pool = upstream(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                             b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    exchange(loop_thread, pool, "PUT", b"12345", {"Content-Length": "999"})
    exchange(loop_thread, pool, "POST")
    first, second = backend.received
    assert b"Content-Length: 5\r\n" in first and b"999" not in first and first.endswith(b"\r\n\r\n12345")
    assert b"Content-Length: 0\r\n" in second


def test_a_backend_silent_mid_body_is_a_timeout(loop_thread, upstream) -> None:
    _, pool = upstream([b"HTTP/1.1 200 OK\r\nContent-Length: 300000\r\n\r\n", b"x" * 1000], hang=True)
    spec = pool.backend_spec("b")
    pool.configure({"b": BackendSpec("b", spec.urls, None, read_timeout=0.3)})
    with pytest.raises(UpstreamTimeout) as caught:
        exchange(loop_thread, pool)
    assert caught.value.request_sent


def test_at_the_connection_limit_a_request_waits_for_a_connection_to_be_given_back(loop_thread, upstream) -> None:
    backend, _ = upstream(*[b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"] * 2)
    url = f"http://127.0.0.1:{backend.server.sockets[0].getsockname()[1]}"

    async def scenario() -> tuple[bool, bool]:
        connections = ConnectionPool(url, limit=1, idle_seconds=30, read_buffer=65536)
        first = await connections.open(1.0)
        second = asyncio.ensure_future(connections.open(1.0))
        await asyncio.sleep(0.1)
        waited = not second.done()
        first.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", None, False, False, 5.0)
        await first.head()
        await first.read_all()
        connections.release(first)
        reused = (await second) is first
        connections.release(first)
        connections.close()
        return waited, reused

    waited, reused = loop_thread.run(scenario())
    assert waited and reused and backend.connections == 1
