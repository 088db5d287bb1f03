"""The pooled, keep-alive upstream client: round-robin over healthy instances with closed circuits.

`Upstream` is the interface the data plane uses, so tests can inject their own; `UpstreamPool`
is the real one: per instance a pool of keep-alive HTTP/1.1 connections (`pool.py`,
`connection.py`). It sends the request's headers as given plus `Host` and the body framing,
never decompresses and keeps no cookies. Errors come back as the UpstreamError family;
`request_sent` tells whether the request may have reached the backend.
"""
from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import cython
from multidict import CIMultiDict, CIMultiDictProxy

from strangler_proxy.errors import BackendUnavailable, UpstreamError, UpstreamTimeout, UpstreamUnreachable
from strangler_proxy.forwarding.circuit import CircuitBreaker
from strangler_proxy.forwarding.connection import (ConnectFailed, ConnectionBroken, ConnectTimeout, HopError,
                                                   ReadTimeout, UpstreamConnection)
from strangler_proxy.forwarding.headers import HeadLines, head_lines, parse_head_lines
from strangler_proxy.forwarding.pool import ConnectionPool
from strangler_proxy.routing.model import SAFE_METHODS, BackendSpec

__all__ = ["PREFETCH_LIMIT", "Instance", "OutboundRequest", "Upstream", "UpstreamPool", "UpstreamResponse"]

# Streamed bodies move in pieces of whatever has arrived, up to the read buffer: big enough
# for throughput, small enough that a slow client holds back the backend (flow control).
_READ_BUFFER = 256 * 1024
# Bodies of declared length up to this are read whole before answering: one write to the
# client instead of a stream, and a failure while reading can still become a JSON error.
PREFETCH_LIMIT = 256 * 1024
# Connections per instance, and how long an idle one is kept (as aiohttp's connector had them).
_CONNECTIONS_PER_INSTANCE = 512
_IDLE_SECONDS = 30.0
# Methods that carry no body unless one is given; the others announce an empty one.
_BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class OutboundRequest:
    """A request as it leaves for a backend; `replayable` bodies may be sent twice.

    The data plane passes the headers ready for the wire (`head`, forwarding/headers.py) and
    `headers` is then built only if someone reads it (the shadow mirror); others pass `headers`.
    """

    __slots__ = ("method", "path_qs", "_headers", "body", "head")

    def __init__(self, method: str, path_qs: str, headers: CIMultiDict[str] | None = None,
                 body: bytes | AsyncIterable[bytes] | None = None, *, head: HeadLines | None = None) -> None:
        self.method = method
        self.path_qs = path_qs
        self._headers = headers
        self.body = body
        self.head = head

    @property
    def headers(self) -> CIMultiDict[str]:
        """Return the headers as a multidict."""
        if self._headers is None:
            head = self.head
            self._headers = CIMultiDict(parse_head_lines(head.lines) if head is not None else ())
            if head is not None and head.length is not None:
                self._headers["Content-Length"] = head.length.decode("latin-1")
        return self._headers

    @property
    def replayable(self) -> bool:
        """Whether the body can be sent again (it is in memory, or there is none)."""
        return self.body is None or self.body.__class__ is bytes

    def __repr__(self) -> str:
        return f"OutboundRequest({self.method!r}, {self.path_qs!r})"


class UpstreamResponse(Protocol):
    """What the data plane reads from an upstream answer; `body` holds a small body read at once.

    An answer may also carry `raw_headers` (RawHeaders), which the data plane then uses instead
    of `headers`, and `head_key` (forwarding/connection.py), by which it remembers the head it
    makes from them.
    """

    status: int
    reason: str | None
    headers: CIMultiDictProxy[str]
    instance: str
    body: bytes | None

    def iter_chunks(self) -> AsyncIterator[bytes]:
        """Yield the body as it arrives."""

    async def read(self) -> bytes:
        """Return the whole body."""

    def release(self) -> None:
        """Give the connection back after the body was read."""

    def close(self) -> None:
        """Drop the connection (the body was not, or not wholly, read)."""

    @property
    def content_length(self) -> int | None:
        """Return the declared body length, if any."""


class Upstream(Protocol):
    """Send requests to named backends."""

    def configure(self, backends: Mapping[str, BackendSpec]) -> None:
        """Adopt a new set of backends (keeping state of unchanged instances)."""

    async def start(self) -> None:
        """Open connections pools; called on the event loop."""

    async def send(self, backend: str, request: OutboundRequest) -> UpstreamResponse:
        """Send the request to one instance of the backend; raise UpstreamError on failure."""

    async def close(self) -> None:
        """Close every connection."""


@dataclass(eq=False)
class Instance:
    """One base URL of a backend, with its health and circuit."""

    backend: str
    url: str
    circuit: CircuitBreaker
    healthy: bool = True
    health_failures: int = 0


class _Backend:
    __slots__ = ("spec", "instances", "turn")

    def __init__(self, spec: BackendSpec, instances: list[Instance]) -> None:
        self.spec = spec
        self.instances = instances
        self.turn = itertools.count()

    def pick(self) -> Instance:
        """Return the next healthy instance whose circuit allows a request."""
        instances = self.instances
        count = len(instances)
        if count == 1:
            instance = instances[0]
            if instance.circuit.allow():
                return instance  # healthy or not, it is the only one
            count = 0
        start = next(self.turn) if count > 1 else 0
        for offset in range(count):
            instance = instances[(start + offset) % count]
            if instance.healthy and instance.circuit.allow():
                return instance
        # No healthy instance will take it: an unhealthy one whose circuit allows is better than none.
        for offset in range(count):
            instance = instances[(start + offset) % count]
            if not instance.healthy and instance.circuit.allow():
                return instance
        raise BackendUnavailable(
            f"backend {self.spec.name!r} has no instance available (circuits open)",
            backend=self.spec.name, request_sent=False)


class _Head:
    """What every answer carries: status, reason, headers (raw, a multidict on demand), instance."""

    __slots__ = ("status", "reason", "raw_headers", "head_key", "_headers", "instance", "body", "content_length")

    def __init__(self, connection: UpstreamConnection, instance: Instance) -> None:
        self.status = connection.status
        self.reason: str | None = connection.reason.decode("latin-1") if connection.reason else None
        self.raw_headers = connection.raw_headers
        self.head_key = connection.head_key
        self._headers: CIMultiDictProxy[str] | None = None
        self.instance = instance.url
        self.body: bytes | None = None
        self.content_length = connection.content_length

    @property
    def headers(self) -> CIMultiDictProxy[str]:
        if self._headers is None:
            self._headers = CIMultiDictProxy(CIMultiDict([(name.decode("latin-1"), value.decode("latin-1"))
                                                          for name, _, value in self.raw_headers]))
        return self._headers


class _Answer(_Head):
    """A small answer read whole; its connection is already back in its pool."""

    __slots__ = ()

    async def iter_chunks(self) -> AsyncIterator[bytes]:
        if self.body:
            yield self.body

    async def read(self) -> bytes:
        return self.body or b""

    def release(self) -> None:
        pass

    def close(self) -> None:
        pass


class _Response(_Head):
    """An answer whose body is still on its pooled connection; body failures count against the circuit."""

    __slots__ = ("_connection", "_pool", "_instance", "_backend")

    def __init__(self, connection: UpstreamConnection, pool: ConnectionPool, instance: Instance,
                 backend: str) -> None:
        super().__init__(connection, instance)
        self._connection: UpstreamConnection | None = connection
        self._pool = pool
        self._instance = instance
        self._backend = backend

    async def iter_chunks(self) -> AsyncIterator[bytes]:
        connection = self._connection
        if connection is None:
            if self.body:
                yield self.body
            return
        while True:
            try:
                chunk = await connection.read_chunk()
            except HopError as error:
                raise self._failed(error) from None
            if not chunk:
                return
            yield chunk

    async def read(self) -> bytes:
        if self.body is not None:
            return self.body
        connection = self._connection
        if connection is None:
            return b""
        try:
            self.body = await connection.read_all()
        except HopError as error:
            raise self._failed(error) from None
        return self.body

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            self._pool.release(connection)

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            self._pool.discard(connection)

    def _failed(self, error: HopError) -> UpstreamError:
        self._instance.circuit.record_failure()
        self.close()
        return _upstream_error(error, self._backend, request_sent=True, while_reading=True)


def _upstream_error(error: HopError, backend: str, *, request_sent: bool, while_reading: bool = False) -> UpstreamError:
    """Return the UpstreamError for a failed hop."""
    name = repr(backend)
    if isinstance(error, ConnectTimeout):
        return UpstreamTimeout(f"backend {name} did not accept a connection in time", backend=backend,
                               request_sent=False)
    if isinstance(error, ConnectFailed):
        return UpstreamUnreachable(f"cannot connect to backend {name}", backend=backend, request_sent=False,
                                   cause=str(error))
    if isinstance(error, ReadTimeout):
        what = "send its answer" if while_reading else "answer"
        return UpstreamTimeout(f"backend {name} did not {what} in time", backend=backend, request_sent=request_sent)
    if isinstance(error, ConnectionBroken) and not while_reading:
        # Most often a pooled connection the backend had just closed: worth one retry if safe.
        return UpstreamUnreachable(f"backend {name} closed the connection", backend=backend,
                                   request_sent=request_sent, retryable=True, cause=str(error))
    if while_reading:
        return UpstreamUnreachable(f"backend {name} broke off its answer", backend=backend,
                                   request_sent=request_sent, cause=str(error))
    return UpstreamUnreachable(f"backend {name} sent an invalid response", backend=backend,
                               request_sent=request_sent, cause=str(error))


def _encode(text: str) -> bytes:
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        # Header text decoded from UTF-8 upstream of here goes back out as the same bytes.
        return text.encode("utf-8", "surrogateescape")


def _request_head(request: OutboundRequest, host: bytes) -> tuple[bytes, bool]:
    """Return the request line and headers to send, and whether the body goes chunked."""
    head = request.head
    if head is None:
        head = head_lines([(_encode(name), _encode(name.lower()), _encode(value))
                           for name, value in request.headers.items()])
    body = request.body
    declared = head.length
    chunked = False
    if body is None:
        if declared is not None:
            framing = b"Content-Length: " + declared + b"\r\n"
        elif request.method in _BODYLESS_METHODS:
            framing = b""
        else:
            framing = b"Content-Length: 0\r\n"
    elif body.__class__ is bytes:
        framing = b"Content-Length: %d\r\n" % len(body)  # type: ignore[arg-type]
    elif declared is not None:
        framing = b"Content-Length: " + declared + b"\r\n"
    else:
        chunked = True
        framing = b"Transfer-Encoding: chunked\r\n"
    line = _encode(f"{request.method} {request.path_qs} HTTP/1.1\r\nHost: ")
    return b"".join((line, host, b"\r\n", head.lines, framing, b"\r\n")), chunked


class UpstreamPool:
    """The real upstream: keep-alive connection pools per instance, backends balanced round-robin."""

    def __init__(
        self,
        backends: Mapping[str, BackendSpec] | None = None,
        *,
        on_circuit_change: Callable[[Instance, str], None] | None = None,
    ) -> None:
        self._on_circuit_change = on_circuit_change
        self._backends: dict[str, _Backend] = {}
        self._connections: dict[str, ConnectionPool] = {}
        self._expiry: asyncio.Task[None] | None = None
        self._started = False
        if backends:
            self.configure(backends)

    @property
    def instances(self) -> list[Instance]:
        """Return every instance of every backend."""
        return [i for backend in self._backends.values() for i in backend.instances]

    def backend_spec(self, name: str) -> BackendSpec | None:
        """Return the spec of a configured backend."""
        backend = self._backends.get(name)
        return backend.spec if backend else None

    def configure(self, backends: Mapping[str, BackendSpec]) -> None:
        old = {(i.backend, i.url): i for i in self.instances}
        fresh: dict[str, _Backend] = {}
        for name, spec in backends.items():
            instances = []
            for url in spec.urls:
                kept = old.get((name, url))
                if kept is not None and kept.circuit.failure_threshold == spec.failure_threshold \
                        and kept.circuit.reset_timeout == spec.reset_timeout:
                    instances.append(kept)
                else:
                    instances.append(self._instance(name, url, spec))
            fresh[name] = _Backend(spec, instances)
        self._backends = fresh
        used = {url for backend in fresh.values() for url in backend.spec.urls}
        for url in [url for url in self._connections if url not in used]:
            self._connections.pop(url).close()

    def _instance(self, backend: str, url: str, spec: BackendSpec) -> Instance:
        holder: list[Instance] = []

        def changed(state: str) -> None:
            if self._on_circuit_change is not None and holder:
                self._on_circuit_change(holder[0], state)

        instance = Instance(backend, url, CircuitBreaker(
            failure_threshold=spec.failure_threshold, reset_timeout=spec.reset_timeout, on_change=changed))
        holder.append(instance)
        return instance

    def _pool_for(self, url: str) -> ConnectionPool:
        pool = self._connections.get(url)
        if pool is None:
            if not self._started:
                raise RuntimeError("UpstreamPool.start() was not awaited")
            pool = self._connections[url] = ConnectionPool(
                url, limit=_CONNECTIONS_PER_INSTANCE, idle_seconds=_IDLE_SECONDS, read_buffer=_READ_BUFFER)
        return pool

    async def start(self) -> None:
        self._started = True
        self._expiry = asyncio.create_task(self._expire(), name="strangler-upstream-expiry")

    async def close(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._expiry
            self._expiry = None
        for pool in self._connections.values():
            pool.close()
        self._connections = {}
        self._started = False

    async def _expire(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(_IDLE_SECONDS / 4)
            now = loop.time()
            for pool in list(self._connections.values()):
                pool.expire(now)

    async def probe(self, instance: Instance, path: str, timeout: float) -> int:
        """GET `path` on one instance, bypassing its circuit; return the status (raise on failure)."""
        pool = self._pool_for(instance.url)
        async with asyncio.timeout(timeout):
            connection = pool.take() or await pool.open(timeout)
            try:
                head = b"GET " + _encode(path) + b" HTTP/1.1\r\nHost: " + pool.host_header + b"\r\n\r\n"
                connection.send(head, None, False, False, timeout)
                await connection.head()
                await connection.read_all()
            except BaseException:
                pool.discard(connection)
                raise
            pool.release(connection)
            return connection.status

    @cython.locals(request=OutboundRequest, spec_backend=_Backend, circuit=CircuitBreaker, pool=ConnectionPool,
                   connection=UpstreamConnection)
    async def send(self, backend: str, request: OutboundRequest) -> UpstreamResponse:
        spec_backend = self._backends.get(backend)
        if spec_backend is None:
            raise BackendUnavailable(f"backend {backend!r} is not configured", backend=backend,
                                     request_sent=False)
        spec = spec_backend.spec
        # A pooled keep-alive connection may have been closed by the backend just as we
        # reused it; a safe request with a replayable body is worth one more try.
        attempts = 2 if request.method in SAFE_METHODS and request.replayable else 1
        head_only = request.method == "HEAD"
        while True:
            attempts -= 1
            instance = spec_backend.pick()
            circuit = instance.circuit
            pool = self._connections.get(instance.url) or self._pool_for(instance.url)
            connection = pool.take()
            if connection is None:
                try:
                    connection = await pool.open(spec.connect_timeout)
                except HopError as error:
                    circuit.record_failure()
                    raise _upstream_error(error, backend, request_sent=False) from None
                except BaseException:
                    circuit.release()
                    raise
            head, chunked = _request_head(request, pool.host_header)
            try:
                connection.send(head, request.body, head_only, chunked, spec.read_timeout)
                while not connection.head_done:
                    await connection.waiter()
                connection.check()
            except HopError as error:
                pool.discard(connection)
                circuit.record_failure()
                failure = _upstream_error(error, backend, request_sent=True)
                if attempts and failure.retryable:
                    continue
                raise failure from None
            except BaseException:
                pool.discard(connection)
                circuit.release()
                raise
            break
        status = connection.status
        if status >= 500:
            circuit.record_failure()
        else:
            circuit.record_success()
        length = connection.content_length
        if length is None or length > PREFETCH_LIMIT or head_only or status < 200 or status in (204, 304):
            return _Response(connection, pool, instance, backend)
        if connection.complete:
            # The common small answer arrived with its head: no wait, no task switch.
            body = connection.take_body()
        else:
            try:
                body = await connection.read_all()
            except HopError as error:
                pool.discard(connection)
                circuit.record_failure()
                raise _upstream_error(error, backend, request_sent=True, while_reading=True) from None
            except BaseException:
                pool.discard(connection)
                raise
        answer = _Answer(connection, instance)
        answer.body = body
        pool.release(connection)
        return answer
