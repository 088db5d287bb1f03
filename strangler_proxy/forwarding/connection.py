"""One keep-alive HTTP/1.1 connection to a backend instance: an asyncio Protocol parsed with httptools.

The proxy's benchmark (BENCHMARKS.md, Proxy) measured aiohttp's client as the largest cost
of a proxied request, several times what the connection below costs for the same exchange,
so the upstream hop does only what a proxy needs: write one request (a body in memory, or a
stream with back-pressure), read the answer's head, then hand the body over as it arrives.
Reading pauses while more than `read_buffer` bytes wait to be taken, so a slow client holds
back the backend instead of filling memory. One exchange at a time; the connection goes back
to its pool only when the answer was complete, the request body wholly sent and neither
side asked to close.

Failures surface as `HopError`s; the upstream pool turns them into the UpstreamError family:

    HopError
    ├── ConnectFailed       no connection (refused, unreachable, TLS handshake failed)
    ├── ConnectTimeout      no connection within the connect timeout
    ├── ConnectionBroken    closed or reset before the answer was complete
    ├── ReadTimeout         nothing arrived (or left) for longer than the read timeout
    └── BadResponse         the bytes are not a valid HTTP/1.1 answer
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable

import httptools

from strangler_proxy.forwarding.headers import RawHeaders

__all__ = ["BadResponse", "ConnectFailed", "ConnectTimeout", "ConnectionBroken", "HopError", "ReadTimeout",
           "UpstreamConnection"]

# Bodies up to this are joined to the head for one write; larger ones go out with writev.
_JOIN_LIMIT = 64 * 1024
_CHUNK_END = b"\r\n"
_FRAMING = frozenset({b"content-length", b"transfer-encoding"})
_LAST_CHUNK = b"0\r\n\r\n"


class HopError(Exception):
    """The hop to the backend failed."""


class ConnectFailed(HopError):
    """No connection could be opened."""


class ConnectTimeout(HopError):
    """No connection was opened within the connect timeout."""


class ConnectionBroken(HopError):
    """The backend closed or reset the connection before the answer was complete."""


class ReadTimeout(HopError):
    """The backend sent nothing for longer than the read timeout."""


class BadResponse(HopError):
    """The backend's bytes are not a valid HTTP/1.1 answer."""


class UpstreamConnection:
    """A client connection that carries one request/answer exchange at a time.

    An asyncio protocol by its methods, not by inheritance (see server/connection.py).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, *, read_buffer: int) -> None:
        self._loop = loop
        self._read_buffer = read_buffer
        self._transport: asyncio.Transport | None = None
        self._parser: httptools.HttpResponseParser | None = None
        self.open = False
        self.idle_since = 0.0
        self._active = False
        self._head_only = False
        self._informational = False
        self.status = 0
        self.reason = b""
        self.raw_headers: RawHeaders = []
        # The answer's head (status line and headers) as it came off the wire when all of it
        # arrived at the start of one read, else None. Equal keys mean equal heads, so work
        # derived from the headers can be remembered by this one cheap key.
        self.head_key: bytes | None = None
        self._first_read = False
        self._head_seen: bytes | None = None
        self.content_length: int | None = None
        self._delimited = False
        self.head_done = False
        self.complete = False
        self._keep_alive = False
        self._chunks: list[bytes] = []
        self._buffered = 0
        self._error: Exception | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._timeout = 0.0
        self._last_progress = 0.0
        self._reading_paused = False
        self._writing_paused = False
        self._drain: asyncio.Future[None] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._chunked_answer = False
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0

    # --- asyncio.Protocol --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        self.open = True

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        if self._active and not self.complete:
            if self.head_done and exc is None and self._eof_delimited():
                self.complete = True
            else:
                self._error = ConnectionBroken(str(exc) if exc else "the backend closed the connection")
        self._keep_alive = False
        self._wake()
        drain = self._drain
        if drain is not None and not drain.done():
            drain.set_exception(ConnectionBroken("the backend closed the connection"))

    def data_received(self, data: bytes) -> None:
        if not self._active:
            # Bytes nobody asked for: the connection's state is unknown, so it is not reused.
            self.open = False
            self._transport.abort()  # type: ignore[union-attr]
            return
        self._last_progress = self._loop.time()
        if self._first_read:
            self._first_read = False
            end = data.find(b"\r\n\r\n")
            self._head_seen = data[:end] if end > 0 else None
        try:
            self._parser.feed_data(data)  # type: ignore[union-attr]
        except httptools.HttpParserUpgrade:
            self._keep_alive = False
            self.complete = True
        except httptools.HttpParserError as error:
            self._fail(BadResponse(str(error) or "invalid HTTP response"))
            return
        self._wake()

    def eof_received(self) -> bool | None:
        return None  # the transport closes; connection_lost tells whether the answer was whole

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        drain = self._drain
        if drain is not None and not drain.done():
            drain.set_result(None)

    # --- httptools callbacks ------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self.raw_headers = []
        self.reason = b""
        self.content_length = None
        self._delimited = self._chunked_answer = False

    def on_status(self, reason: bytes) -> None:
        self.reason += reason

    def on_header(self, name: bytes, value: bytes) -> None:
        lname = name.lower()
        if lname in _FRAMING:
            if lname == b"content-length":
                self._delimited = True
                self.content_length = int(value) if value.isdigit() else None
            else:
                self._delimited = True
                self._chunked_answer = True
        self.raw_headers.append((name, lname, value))

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()  # type: ignore[union-attr]
        if 100 <= status < 200 and status != 101:
            self._informational = True  # 1xx interim answers are skipped, as aiohttp's client did
            self._head_seen = None  # what the first read held was the interim head
            return
        self.head_key = self._head_seen
        if self._chunked_answer:
            self.content_length = None  # a chunked answer's Content-Length means nothing
        self.status = status
        self.head_done = True
        if self._head_only:
            # An answer to HEAD has no body whatever its headers say; httptools cannot be told,
            # so the exchange ends here and the next one gets a fresh parser.
            self._keep_alive = self._parser.should_keep_alive()  # type: ignore[union-attr]
            self._parser = None
            self.complete = True

    def on_body(self, body: bytes) -> None:
        if self.complete:
            return
        self._chunks.append(body)
        self._buffered += len(body)
        if self._buffered > self._read_buffer and not self._reading_paused:
            self._reading_paused = True
            self._transport.pause_reading()  # type: ignore[union-attr]

    def on_message_complete(self) -> None:
        if self._informational:
            self._informational = False
            return
        if self.complete:
            return
        self._keep_alive = self._parser.should_keep_alive()  # type: ignore[union-attr]
        self.complete = True

    # --- the exchange -------------------------------------------------------------------------

    def send(self, head: bytes, body: bytes | AsyncIterable[bytes] | None, head_only: bool,
             chunked: bool, timeout: float) -> None:
        """Start an exchange: write the request (a streamed body is written by a task); see `head`."""
        self._active = True
        self._head_only = head_only
        self._informational = self._chunked_answer = False
        self.status = 0
        self.head_key = self._head_seen = None
        self._first_read = True
        self.head_done = self.complete = self._keep_alive = False
        self._chunks = []
        self._buffered = 0
        self._error = None
        self._timeout = timeout
        self._last_progress = self._loop.time()
        if self._parser is None:
            self._parser = httptools.HttpResponseParser(self)
        transport = self._transport
        if body is None or body.__class__ is bytes:
            if not body:
                transport.write(head)  # type: ignore[union-attr]
            elif len(body) <= _JOIN_LIMIT:  # type: ignore[arg-type]
                transport.write(head + body)  # type: ignore[union-attr, operator]
            else:
                transport.writelines((head, body))  # type: ignore[union-attr, arg-type]
        else:
            self._writer = self._loop.create_task(self._send_stream(head, body, chunked))  # type: ignore[arg-type]

    async def head(self) -> None:
        """Wait for the answer's head (raise a HopError on failure)."""
        while not self.head_done:
            await self.waiter()
        if self._error is not None:
            raise self._error

    def check(self) -> None:
        """Raise the exchange's failure, if it failed."""
        if self._error is not None:
            raise self._error

    @property
    def last_used(self) -> float:
        """Return when bytes last came or went."""
        return self._last_progress

    async def _send_stream(self, head: bytes, body: AsyncIterable[bytes], chunked: bool) -> None:
        transport = self._transport
        try:
            transport.write(head)  # type: ignore[union-attr]
            async for chunk in body:
                if not chunk:
                    continue
                if chunked:
                    transport.writelines((b"%x\r\n" % len(chunk), chunk, _CHUNK_END))  # type: ignore[union-attr]
                else:
                    transport.write(chunk)  # type: ignore[union-attr]
                if self._writing_paused:
                    await self._drained()
                # A backend taking the upload is making progress: the read timeout restarts.
                self._last_progress = self._loop.time()
            if chunked:
                transport.write(_LAST_CHUNK)  # type: ignore[union-attr]
        except Exception as error:
            # The request body failed (client gone, size limit): the backend must not take a
            # truncated request for a whole one, so the connection is cut.
            if not self.complete:
                self._fail(ConnectionBroken(f"the request body was not sent whole: {type(error).__name__}"))
            else:
                self.close()

    async def _drained(self) -> None:
        if not self.open:
            raise ConnectionBroken("the backend closed the connection")
        self._drain = self._loop.create_future()
        try:
            await self._drain
        finally:
            self._drain = None

    async def read_chunk(self) -> bytes:
        """Return the body bytes that have arrived (waiting if none have); b"" at the end."""
        while True:
            chunks = self._chunks
            if chunks:
                data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
                self._chunks = []
                self._buffered = 0
                if self._reading_paused:
                    # Time spent paused is the client's, not the backend's: the clock restarts.
                    self._reading_paused = False
                    self._last_progress = self._loop.time()
                    self._transport.resume_reading()  # type: ignore[union-attr]
                return data
            if self.complete:
                return b""
            # The wait starts now: time the consumer spent elsewhere is not the backend's.
            self._last_progress = self._loop.time()
            await self._wait()

    def take_body(self) -> bytes:
        """Return the body bytes that have arrived, without waiting."""
        chunks = self._chunks
        self._chunks = []
        self._buffered = 0
        if self._reading_paused:
            self._reading_paused = False
            self._last_progress = self._loop.time()
            self._transport.resume_reading()  # type: ignore[union-attr]
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    async def read_all(self) -> bytes:
        """Return the whole remaining body."""
        parts = []
        while chunk := await self.read_chunk():
            parts.append(chunk)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    @property
    def reusable(self) -> bool:
        """Whether the exchange ended cleanly and the connection may carry another one."""
        writer = self._writer
        return (self.open and self.complete and self._keep_alive and not self._chunks
                and (writer is None or writer.done()))

    def finish(self) -> bool:
        """End the exchange; return whether the connection may be reused (else it is closed)."""
        self._active = False
        if self.reusable:
            self._writer = None
            return True
        self.close()
        return False

    def close(self) -> None:
        """Drop the connection."""
        self.open = False
        self._active = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        writer = self._writer
        if writer is not None and not writer.done():
            writer.cancel()
        self._writer = None
        if self._transport is not None:
            self._transport.abort()

    # --- internals ----------------------------------------------------------------------------

    async def _wait(self) -> None:
        await self.waiter()
        if self._error is not None:
            raise self._error

    def waiter(self) -> asyncio.Future[None]:
        """Return a future woken by the next progress of the exchange (raise if it failed).

        Awaiting it directly, rather than a coroutine around it, spares the caller a frame on
        every wake-up.
        """
        if self._error is not None:
            raise self._error
        # One timer per connection, re-armed only when it fires or a shorter deadline comes:
        # a timer per wait would cost more than the rest of a small exchange's bookkeeping.
        deadline = self._last_progress + self._timeout
        if self._timer is None or self._timer_at > deadline:
            if self._timer is not None:
                self._timer.cancel()
            self._timer_at = deadline
            self._timer = self._loop.call_at(deadline, self._check_timeout)
        waiter = self._waiter = self._loop.create_future()
        return waiter

    def _check_timeout(self) -> None:
        # sock_read semantics: the clock restarts whenever bytes arrive (or leave, for uploads).
        self._timer = None
        if not self._active:
            return
        now = self._loop.time()
        deadline = self._last_progress + self._timeout
        waiting = self._waiter is not None and not self._waiter.done()
        if now < deadline or not waiting:
            self._timer_at = deadline if waiting else max(deadline, now + self._timeout)
            self._timer = self._loop.call_at(self._timer_at, self._check_timeout)
            return
        self._fail(ReadTimeout("the backend sent nothing within the read timeout"))

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def _fail(self, error: Exception) -> None:
        self._error = error
        self.close()
        self._wake()

    def _eof_delimited(self) -> bool:
        """Whether the answer's body ends with the connection (no length, not chunked)."""
        return not self._delimited
