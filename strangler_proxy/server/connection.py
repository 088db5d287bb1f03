"""One client connection of the proxy: HTTP/1.1 read with httptools, answers written straight to the socket.

The proxy's benchmark (BENCHMARKS.md, Proxy) measured aiohttp's server, with its request and
response objects, as most of what the proxy costs per request once the upstream client was
replaced, several times what this connection costs for the same work; the proxy needs no
routing, middleware or forms from it.

Requests are handled one at a time in arrival order (pipelined requests wait their turn) by
one task per connection, each as soon as its head has arrived. A body is handed over as it
arrives; reading pauses while more than `_BODY_BUFFER` bytes wait, so a slow backend holds
the client back. Answers carry Content-Length when it is known, else they are chunked (HTTP/1.1) or end
with the connection (HTTP/1.0); `Date` is added when missing, and `Content-Type:
application/octet-stream` for a body without one (RFC 9110 section 8.3), as aiohttp did.
The connection stays open between requests unless either side asks to close, the request
body was not read to its end, or it idles past the keep-alive timeout. When the client goes
away (or half-closes), the answer in progress is cancelled. A request the parser refuses gets a JSON 400 (431
for oversized headers) and the connection is closed.
"""
from __future__ import annotations

import asyncio
import collections
import http
import logging
from collections.abc import Awaitable, Callable
from email.utils import formatdate
from typing import TYPE_CHECKING

import cython
import httptools
from aiohttp.http import HttpVersion10, HttpVersion11

from strangler_proxy.forwarding.headers import HeadLines, RawHeaders
from strangler_proxy.server.request import NO_BODY, Body, Request
from strangler_proxy.server.responses import error_body

if TYPE_CHECKING:
    from strangler_proxy.server.listener import Listener

__all__ = ["Handler", "ServerConnection", "refresh_date"]

Handler = Callable[[Request], Awaitable[None]]

_log = logging.getLogger("strangler.proxy")

# Unread request body bytes that pause reading from the client.
_BODY_BUFFER = 256 * 1024
# Pipelined requests queued behind the one being answered before reading pauses.
_QUEUE_LIMIT = 16
# aiohttp's limits: one header field, and all of a request's head.
_MAX_FIELD = 8190
_MAX_HEAD = 64 * 1024
_VERSIONS = {"1.1": HttpVersion11, "1.0": HttpVersion10}
_REASONS = {status.value: status.phrase for status in http.HTTPStatus}
_METHODS: dict[bytes, str] = {}
_NO_BODY_STATUSES = frozenset({204, 304})
# Headers noted while parsing: the framing, and the request id every answer carries.
_NOTED = frozenset({b"content-length", b"transfer-encoding", b"x-request-id"})
_STATUS_LINES: dict[tuple[int, str | None], bytes] = {}
_CHUNKED = b"chunked"
_JSON_HEAD = HeadLines(b"Content-Type: application/json\r\n", None, has_type=True)


def _date_header() -> bytes:
    return b"Date: " + formatdate(usegmt=True).encode() + b"\r\n"


# The Date header line, refreshed once a second by the listener, as aiohttp does.
_date_line = _date_header()


def refresh_date() -> None:
    """Re-read the clock for the Date header (the listener calls this every second)."""
    global _date_line
    _date_line = _date_header()


class _TooLarge(Exception):
    pass


def _encode(text: str) -> bytes:
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape")


class ServerConnection:
    """Read requests off one client connection and write their answers back in order.

    An asyncio protocol by its methods, not by inheritance: compiled (connection.pxd), it is
    an extension type, which cannot derive from the Python class asyncio.Protocol; the
    event loop needs only the methods.
    """

    def __init__(self, listener: Listener) -> None:
        self._listener = listener
        self._loop = listener.loop
        self._handler = listener.handler
        self.transport: asyncio.Transport | None = None
        self._parser = httptools.HttpRequestParser(self)
        self._remote = ""
        self._url = b""
        self._head_size = 0
        self._raw_headers: RawHeaders = []
        self._length: bytes | None = None
        self._request_id: bytes | None = None
        self._chunked = False
        self._in_head = False
        self._head_bytes = 0
        self._parsing: Request | None = None
        self._current: Request | None = None
        self._task: asyncio.Task[None] | None = None
        self._queue: collections.deque[Request] = collections.deque()
        self._next: asyncio.Future[None] | None = None
        self._no_more = False
        self._closing = False
        self.idle_since = 0.0
        self._body_full = False
        self._stop_reading = False
        self._reading_paused = False
        self._writing_paused = False
        self._drain: asyncio.Future[None] | None = None

    # --- asyncio.Protocol --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        self._remote = peer[0] if isinstance(peer, tuple) else ""
        self.idle_since = self._loop.time()
        self._listener.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self._listener.connections.discard(self)
        gone = ConnectionResetError("the client closed the connection")
        if self._parsing is not None:
            self._parsing.content.fail(gone)  # type: ignore[union-attr]
            self._parsing = None
        for queued in self._queue:
            if isinstance(queued.content, Body):
                queued.content.fail(gone)
        self._queue.clear()
        task = self._task
        if task is not None and not task.done():
            task.cancel()
        drain = self._drain
        if drain is not None and not drain.done():
            drain.set_exception(gone)

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            # An upgrade (or CONNECT) is answered as a plain request; what follows is not HTTP.
            self._no_more = self._stop_reading = True
            self._end_body()
            self._pause_reading()
        except httptools.HttpParserError as error:
            cause = error.__context__
            if isinstance(cause, _TooLarge):
                self._refuse(431, "headers_too_large", "the request headers are too large")
            else:
                reason = (str(error) or type(error).__name__).splitlines()[0][:200]
                self._refuse(400, "bad_request", f"the request could not be parsed: {reason}")
            return
        if self._in_head:
            self._head_bytes += len(data)
            if self._head_bytes > _MAX_HEAD:
                self._refuse(431, "headers_too_large", "the request headers are too large")

    def eof_received(self) -> bool | None:
        # The client is gone (a half-close looks the same): close, which cancels the answer in
        # progress, as nginx and aiohttp do (the access log says 499).
        self._no_more = True
        return None

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        drain = self._drain
        if drain is not None and not drain.done():
            drain.set_result(None)

    # --- httptools callbacks ------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._url = b""
        self._head_size = 0
        self._raw_headers = []
        self._length = self._request_id = None
        self._chunked = False
        self._in_head = True
        self._head_bytes = 0

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        size = len(value)
        self._head_size += size + len(name)
        if size > _MAX_FIELD or self._head_size > _MAX_HEAD:
            raise _TooLarge()
        lname = name.lower()
        if lname in _NOTED:
            if lname == b"content-length":
                self._length = value
            elif lname == b"transfer-encoding":
                self._chunked = True
            elif self._request_id is None:
                self._request_id = value
        self._raw_headers.append((name, lname, value))

    @cython.locals(request=Request)
    def on_headers_complete(self) -> None:
        self._in_head = False
        parser = self._parser
        raw_method = parser.get_method()
        method = _METHODS.get(raw_method)
        if method is None:
            method = _METHODS[raw_method] = raw_method.decode("ascii")
        length = self._length
        content_length = int(length) if length is not None and length.isdigit() else None
        has_body = self._chunked or (content_length or 0) > 0
        request_id = self._request_id
        request = Request(self, method, self._url.decode("latin-1"),
                          _VERSIONS.get(parser.get_http_version(), HttpVersion11), self._raw_headers, self._remote,
                          parser.should_keep_alive(), content_length,
                          Body(self, _BODY_BUFFER) if has_body else NO_BODY,
                          None if request_id is None else request_id.decode("latin-1"))
        if has_body:
            self._parsing = request
        if self._no_more:
            return  # the connection is closing: later requests are not answered
        if not request.keep_alive:
            self._no_more = True
        self._queue.append(request)
        waiter = self._next
        if waiter is not None:
            self._next = None
            waiter.set_result(None)
        elif self._task is None:
            self._task = self._loop.create_task(self._serve())
        elif len(self._queue) >= _QUEUE_LIMIT:
            self._pause_reading()

    def on_body(self, body: bytes) -> None:
        if self._parsing is not None:
            self._parsing.content.feed(body)  # type: ignore[union-attr]

    def on_message_complete(self) -> None:
        self._end_body()

    # --- serving ------------------------------------------------------------------------------

    @cython.locals(request=Request)
    async def _serve(self) -> None:
        """Answer the connection's requests one after another for as long as it is kept open.

        One task per connection rather than per request: a task costs more to make than a
        future costs to wake.
        """
        queue = self._queue
        handler = self._handler
        loop = self._loop
        while True:
            if not queue:
                if self._no_more:
                    self._close()
                    return
                self.idle_since = loop.time()
                self._next = loop.create_future()
                await self._next
            request = queue.popleft()
            self._current = request
            if self._reading_paused:
                self._resume_reading()
            try:
                await handler(request)
            except Exception as error:
                _log.error("unhandled error answering %s %s", request.method, request.raw_path, exc_info=error)
            self._current = None
            if not request.finished:
                if request.started:
                    self.abort()  # a truncated answer must not look complete
                    return
                request.send(500, _JSON_HEAD, error_body(500, "internal_error", "the proxy failed to handle the request"))
            if self.transport is None:
                return
            if request.close_after or not request.keep_alive or not request.content.eof or self._closing:
                self._close()
                return

    def _close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def _end_body(self) -> None:
        request = self._parsing
        if request is not None:
            self._parsing = None
            request.content.end()  # type: ignore[union-attr]
            if self._body_full:
                self.body_full(False)

    def _refuse(self, status: int, code: str, message: str) -> None:
        """Answer a request the parser refused (if nothing else is being answered) and close."""
        self._no_more = self._stop_reading = True
        self._pause_reading()
        if self._parsing is not None:
            self._parsing.content.fail(ConnectionResetError(message))  # type: ignore[union-attr]
            self._parsing = None
        transport = self.transport
        if transport is None or self._current is not None or self._queue:
            return  # the answers in progress end the connection
        body = error_body(status, code, message)
        transport.write(_encode(
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Bad Request')}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n") + _date_line + b"\r\n"
            + body)
        transport.close()

    @property
    def idle(self) -> bool:
        """Whether the connection waits for a next request (nothing is being read or answered)."""
        return self._current is None and not self._queue and not self._in_head and self._parsing is None

    def shutdown(self) -> None:
        """Close once the answer in progress (if any) is written."""
        self._closing = True
        self._no_more = True
        if self._current is None and not self._queue and self.transport is not None:
            self.transport.close()

    # --- flow control -------------------------------------------------------------------------

    def body_full(self, full: bool) -> None:
        """Pause reading while a request body's unread bytes are over the buffer; resume after."""
        self._body_full = full
        if full:
            self._pause_reading()
        else:
            self._resume_reading()

    def _pause_reading(self) -> None:
        if not self._reading_paused and self.transport is not None:
            self._reading_paused = True
            self.transport.pause_reading()

    def _resume_reading(self) -> None:
        """Resume unless a body is full, the queue is long or the connection reads no more."""
        if self._body_full or self._stop_reading or len(self._queue) >= _QUEUE_LIMIT:
            return
        if self._reading_paused and self.transport is not None:
            self._reading_paused = False
            self.transport.resume_reading()

    # --- writing ------------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        if self.transport is not None:
            self.transport.write(data)

    async def write_body(self, data: bytes, chunked: bool) -> None:
        transport = self.transport
        if transport is None:
            raise ConnectionResetError("the client closed the connection")
        if chunked:
            transport.writelines((b"%x\r\n" % len(data), data, b"\r\n"))
        else:
            transport.write(data)
        if self._writing_paused:
            self._drain = self._loop.create_future()
            try:
                await self._drain
            finally:
                self._drain = None

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def send_answer(self, request: Request, status: int, reason: str | None, head: HeadLines,
                    body: bytes) -> None:
        """Write a whole answer in one write."""
        if request.started:
            raise RuntimeError("the answer was already started")
        request.started = request.finished = True
        request.status = status
        if status < 200 or status in _NO_BODY_STATUSES:
            body = b""
            length = b""
        elif request.method == "HEAD":
            # A HEAD answer passed through keeps the length the backend declared.
            length = b"%d" % len(body) if body else None
            body = b""
        else:
            length = b"%d" % len(body)
        request.sent_bytes = len(body)
        data = self._head(request, status, reason, head, length, bool(body))
        if self.transport is not None:
            self.transport.write(data + body if body else data)

    def start_answer(self, request: Request, status: int, reason: str | None, head: HeadLines,
                     length: int | None) -> None:
        """Write the head of a streamed answer."""
        if request.started:
            raise RuntimeError("the answer was already started")
        request.started = True
        request.status = status
        framing: bytes | None
        if status < 200 or status in _NO_BODY_STATUSES:
            request._bodyless = True
            framing = b""
        elif request.method == "HEAD":
            request._bodyless = True
            framing = None
        elif length is not None:
            framing = b"%d" % length
        elif request.version >= HttpVersion11:
            request._chunked = True
            framing = _CHUNKED
        else:
            request.close_after = True  # an HTTP/1.0 body of unknown length ends with the connection
            framing = b""
        self.write(self._head(request, status, reason, head, framing, not request._bodyless and length != 0))

    def _head(self, request: Request, status: int, reason: str | None, head: HeadLines,
              length: bytes | None, has_body: bool) -> bytes:
        """Serialise an answer's head; `length`: Content-Length to set, b"" none, None the one given, _CHUNKED."""
        keep = request.keep_alive and not request.close_after and not self._closing and request.content.eof
        if not keep:
            request.close_after = True
        version = request.version
        if version is HttpVersion11 or version == HttpVersion11:
            line = _status_line(status, reason)
            connection = b"" if keep else b"Connection: close\r\n"
        else:
            line = _encode(f"HTTP/{version.major}.{version.minor} {status} "
                           f"{reason or _REASONS.get(status, 'Unknown')}\r\n")
            connection = b"Connection: keep-alive\r\n" if keep else b""
        if length is None:
            framing = b"" if head.length is None else b"Content-Length: " + head.length + b"\r\n"
        elif length is _CHUNKED:
            framing = b"Transfer-Encoding: chunked\r\n"
        elif length:
            framing = b"Content-Length: " + length + b"\r\n"
        else:
            framing = b""
        return b"".join((line, head.lines, framing,
                         b"" if head.has_type or not has_body else b"Content-Type: application/octet-stream\r\n",
                         b"" if head.has_date else _date_line,
                         connection, b"\r\n"))


def _status_line(status: int, reason: str | None) -> bytes:
    # Backends send the same few (status, reason) pairs: each line is made once.
    line = _STATUS_LINES.get((status, reason))
    if line is None:
        if len(_STATUS_LINES) >= 1024:
            _STATUS_LINES.clear()
        line = _STATUS_LINES[(status, reason)] = _encode(
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown') if reason is None else reason}\r\n")
    return line
