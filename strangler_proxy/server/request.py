"""One request as the proxy's handlers see it, and the answer they write through it.

A `Request` carries what was parsed (method, raw target, version, the headers as they came
off the wire, client address), the body as a stream (`content`, with `read`/`readany`), and
the methods that write the answer: `send` for a whole answer in one write, or `start`,
`write`... `finish` to stream one. Headers go both ways as RawHeaders (forwarding/headers.py);
`headers` builds a multidict only when asked, so the request reads like aiohttp's where the
admin API and the dashboard use it (`method`, `headers`, `query`, `content_length`,
`content.read`) and they need no change.
"""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from aiohttp.http import HttpVersion
from multidict import CIMultiDict, CIMultiDictProxy, MultiDict, MultiDictProxy

from strangler_proxy.forwarding.headers import HeadLines, RawHeaders

if TYPE_CHECKING:
    from strangler_proxy.server.connection import ServerConnection

__all__ = ["Body", "Request", "cookie_values"]

_EMPTY_QUERY: MultiDictProxy[str] = MultiDictProxy(MultiDict())


class Body:
    """A request body as it arrives; reading pauses the client while `limit` bytes wait unread."""

    __slots__ = ("_connection", "_chunks", "_size", "_limit", "eof", "_error", "_waiter", "received")

    def __init__(self, connection: ServerConnection, limit: int) -> None:
        self._connection = connection
        self._chunks: list[bytes] = []
        self._size = 0
        self._limit = limit
        self.eof = False
        self._error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self.received = 0

    # --- fed by the connection -----------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        self._chunks.append(data)
        self._size += len(data)
        self.received += len(data)
        if self._size > self._limit:
            self._connection.body_full(True)
        self._wake()

    def end(self) -> None:
        self.eof = True
        self._wake()

    def fail(self, error: BaseException) -> None:
        if not self.eof:
            self._error = error
            self._wake()

    # --- read by the handler -------------------------------------------------------------------

    async def readany(self) -> bytes:
        """Return the bytes that have arrived (waiting if none have); b"" at the end."""
        while not self._chunks:
            if self.eof:
                return b""
            if self._error is not None:
                raise self._error
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        chunks = self._chunks
        data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        self._chunks = []
        if self._size > self._limit:
            self._connection.body_full(False)
        self._size = 0
        return data

    async def read(self, n: int = -1) -> bytes:
        """Return the body to its end, or its next `n` bytes when n >= 0 (fewer at the end)."""
        parts: list[bytes] = []
        size = 0
        while n < 0 or size < n:
            chunk = await self.readany()
            if not chunk:
                break
            parts.append(chunk)
            size += len(chunk)
        data = b"".join(parts)
        if 0 <= n < len(data):
            # Keep what was not asked for, for the next read.
            self._chunks.insert(0, data[n:])
            self._size += len(data) - n
            data = data[:n]
        return data

    def __aiter__(self) -> Body:
        return self

    async def __anext__(self) -> bytes:
        chunk = await self.readany()
        if not chunk:
            raise StopAsyncIteration
        return chunk

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


class _NoBody:
    """The body of a request that has none."""

    __slots__ = ()
    eof = True
    received = 0

    async def readany(self) -> bytes:
        return b""

    async def read(self, n: int = -1) -> bytes:
        return b""

    def __aiter__(self) -> _NoBody:
        return self

    async def __anext__(self) -> bytes:
        raise StopAsyncIteration


NO_BODY = _NoBody()


def cookie_values(header: str) -> dict[str, str]:
    """Parse a Cookie header leniently (RFC 6265 section 5.4); a later duplicate wins, as in aiohttp."""
    cookies: dict[str, str] = {}
    for pair in header.split(";"):
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        cookies[name] = value
    return cookies


class Request:
    """A parsed request and its answer; one per exchange on a connection."""

    __slots__ = ("method", "raw_path", "version", "raw_headers", "request_id", "_headers", "remote", "keep_alive",
                 "content_length", "body_exists", "content", "_connection", "_query", "status", "sent_bytes",
                 "started", "finished", "_chunked", "_bodyless", "close_after", "continue_sent")

    scheme = "http"

    def __init__(self, connection: ServerConnection, method: str, raw_path: str, version: HttpVersion,
                 raw_headers: RawHeaders, remote: str, keep_alive: bool, content_length: int | None,
                 content: Body | _NoBody, request_id: str | None = None) -> None:
        self._connection = connection
        self.request_id = request_id  # the first X-Request-ID header, as sent
        self.method = method
        self.raw_path = raw_path
        self.version = version
        self.raw_headers = raw_headers
        self._headers: CIMultiDictProxy[str] | None = None
        self.remote = remote
        self.keep_alive = keep_alive
        self.content_length = content_length
        self.content = content
        self.body_exists = content is not NO_BODY
        self._query: MultiDictProxy[str] | None = None
        self.status = 0
        self.sent_bytes = 0
        self.started = False
        self.finished = False
        self._chunked = False
        self._bodyless = False
        self.close_after = False
        self.continue_sent = False

    # --- reading -------------------------------------------------------------------------------

    async def read(self) -> bytes:
        """Return the whole body."""
        return await self.content.read()

    @property
    def headers(self) -> CIMultiDictProxy[str]:
        """Return the headers as a multidict (built on first use)."""
        if self._headers is None:
            self._headers = CIMultiDictProxy(CIMultiDict(
                [(name.decode("latin-1"), value.decode("latin-1")) for name, _, value in self.raw_headers]))
        return self._headers

    def header(self, lname: bytes) -> str | None:
        """Return the first value of a header, by its lower-case name."""
        for _, name, value in self.raw_headers:
            if name == lname:
                return value.decode("latin-1")
        return None

    @property
    def query(self) -> MultiDictProxy[str]:
        """Return the decoded query parameters."""
        if self._query is None:
            _, _, raw = self.raw_path.partition("?")
            self._query = MultiDictProxy(MultiDict(parse_qsl(raw, keep_blank_values=True))) if raw else _EMPTY_QUERY
        return self._query

    @property
    def cookies(self) -> dict[str, str]:
        """Return the request's cookies by name."""
        header = self.header(b"cookie")
        return cookie_values(header) if header else {}

    @property
    def transport(self) -> asyncio.Transport | None:
        """Return the client connection's transport (None once it is closed)."""
        return self._connection.transport

    # --- answering -----------------------------------------------------------------------------

    def send_continue(self) -> None:
        """Invite the body of an `Expect: 100-continue` request (once, before the answer)."""
        if not self.started and not self.continue_sent:
            self.continue_sent = True
            self._connection.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def send(self, status: int, headers: HeadLines, body: bytes = b"", reason: str | None = None) -> None:
        """Write a whole answer: status, headers (Content-Length is set here) and body."""
        self._connection.send_answer(self, status, reason, headers, body)

    def start(self, status: int, headers: HeadLines, length: int | None, reason: str | None = None) -> None:
        """Write the head of a streamed answer; `length` None streams it chunked (or until close)."""
        self._connection.start_answer(self, status, reason, headers, length)

    async def write(self, data: bytes) -> None:
        """Write part of a streamed answer's body, waiting while the client is slow to read."""
        if data and not self._bodyless:
            self.sent_bytes += len(data)
            await self._connection.write_body(data, self._chunked)

    def finish(self) -> None:
        """End a streamed answer."""
        if not self.finished:
            self.finished = True
            if self._chunked:
                self._connection.write(b"0\r\n\r\n")

    def abort(self) -> None:
        """Cut the connection: the client sees a truncated answer, never a complete-looking one."""
        self.close_after = True
        self._connection.abort()

    def force_close(self) -> None:
        """Close the connection after this answer."""
        self.close_after = True
