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
from dataclasses import dataclass, field
from typing import Protocol

from multidict import CIMultiDict, CIMultiDictProxy

from strangler_proxy.errors import BackendUnavailable, UpstreamError, UpstreamTimeout, UpstreamUnreachable
from strangler_proxy.forwarding.circuit import CircuitBreaker
from strangler_proxy.forwarding.connection import (BadResponse, ConnectFailed, ConnectionBroken, ConnectTimeout,
                                                   HopError, ReadTimeout, UpstreamConnection)
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


@dataclass(frozen=True, slots=True)
class OutboundRequest:
    """A request as it leaves for a backend; `replayable` bodies may be sent twice."""

    method: str
    path_qs: str
    headers: CIMultiDict[str]
    body: bytes | AsyncIterable[bytes] | None = None

    @property
    def replayable(self) -> bool:
        """Whether the body can be sent again (it is in memory, or there is none)."""
        return self.body is None or isinstance(self.body, bytes)


class UpstreamResponse(Protocol):
    """What the data plane reads from an upstream answer; `body` holds a small body read at once."""

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


@dataclass(eq=False)
class _Backend:
    spec: BackendSpec
    instances: list[Instance]
    turn: itertools.count = field(default_factory=itertools.count)

    def pick(self) -> Instance:
        """Return the next healthy instance whose circuit allows a request."""
        count = len(self.instances)
        start = next(self.turn)
        for healthy_only in (True, False):
            for offset in range(count):
                instance = self.instances[(start + offset) % count]
                if healthy_only and not instance.healthy:
                    continue
                if instance.circuit.allow():
                    return instance
        raise BackendUnavailable(
            f"backend {self.spec.name!r} has no instance available (circuits open)",
            backend=self.spec.name, request_sent=False)


class _Response:
    """An answer on a pooled connection; body failures count against the instance's circuit."""

    __slots__ = ("_connection", "_pool", "_instance", "_backend", "status", "reason", "headers", "instance",
                 "body", "content_length")

    def __init__(self, connection: UpstreamConnection, pool: ConnectionPool, instance: Instance, backend: str,
                 headers: CIMultiDictProxy[str], length: int | None) -> None:
        self._connection: UpstreamConnection | None = connection
        self._pool = pool
        self._instance = instance
        self._backend = backend
        self.status = connection.status
        self.reason: str | None = connection.reason.decode("latin-1") or None
        self.headers = headers
        self.instance = instance.url
        self.body: bytes | None = None
        self.content_length = length

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


def _decode(raw: bytes) -> str:
    return raw.decode("latin-1")


def _encode(text: str) -> bytes:
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        # Header text decoded from UTF-8 upstream of here goes back out as the same bytes.
        return text.encode("utf-8", "surrogateescape")


def _request_head(request: OutboundRequest, host: str) -> tuple[bytes, bool]:
    """Return the request line and headers to send, and whether the body goes chunked."""
    headers = request.headers
    body = request.body
    declared = "Content-Length" in headers
    chunked = False
    replace_length = False
    framing = ""
    if body is None:
        if not declared and request.method not in _BODYLESS_METHODS:
            framing = "Content-Length: 0\r\n"
    elif body.__class__ is bytes:
        length = str(len(body))  # type: ignore[arg-type]
        if not declared or headers.get("Content-Length") != length:
            replace_length = declared
            framing = f"Content-Length: {length}\r\n"
    elif not declared:
        chunked = True
        framing = "Transfer-Encoding: chunked\r\n"
    lines = [f"{request.method} {request.path_qs} HTTP/1.1\r\nHost: {host}\r\n"]
    if replace_length:
        lines += [f"{name}: {value}\r\n" for name, value in headers.items() if name.lower() != "content-length"]
    else:
        lines += [f"{name}: {value}\r\n" for name, value in headers.items()]
    lines.append(framing)
    lines.append("\r\n")
    return _encode("".join(lines)), chunked


def _content_length(headers: CIMultiDictProxy[str]) -> int | None:
    value = headers.get("Content-Length")
    if value is None or "Transfer-Encoding" in headers:
        return None
    value = value.strip()
    return int(value) if value.isdigit() else None


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
            connection = await pool.acquire(timeout)
            try:
                head = _encode(f"GET {path} HTTP/1.1\r\nHost: {pool.host_header}\r\n\r\n")
                await connection.send(head, None, head_only=False, chunked=False, timeout=timeout)
                await connection.read_all()
            except BaseException:
                pool.discard(connection)
                raise
            pool.release(connection)
            return connection.status

    async def send(self, backend: str, request: OutboundRequest) -> UpstreamResponse:
        pool = self._backends.get(backend)
        if pool is None:
            raise BackendUnavailable(f"backend {backend!r} is not configured", backend=backend,
                                     request_sent=False)
        # A pooled keep-alive connection may have been closed by the backend just as we
        # reused it; a safe request with a replayable body is worth one more try.
        attempts = 2 if request.method in SAFE_METHODS and request.replayable else 1
        for attempt in range(attempts):
            instance = pool.pick()
            try:
                return await self._send_once(pool, instance, request)
            except UpstreamUnreachable as error:
                if attempt + 1 == attempts or not error.retryable:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send_once(self, backend: _Backend, instance: Instance, request: OutboundRequest) -> _Response:
        spec = backend.spec
        name = spec.name
        circuit = instance.circuit
        pool = self._pool_for(instance.url)
        try:
            connection = await pool.acquire(spec.connect_timeout)
        except HopError as error:
            circuit.record_failure()
            raise _upstream_error(error, name, request_sent=False) from None
        except BaseException:
            circuit.release()
            raise
        head, chunked = _request_head(request, pool.host_header)
        try:
            await connection.send(head, request.body, head_only=request.method == "HEAD", chunked=chunked,
                                  timeout=spec.read_timeout)
        except HopError as error:
            pool.discard(connection)
            circuit.record_failure()
            raise _upstream_error(error, name, request_sent=True) from None
        except BaseException:
            pool.discard(connection)
            circuit.release()
            raise
        status = connection.status
        if status >= 500:
            circuit.record_failure()
        else:
            circuit.record_success()
        headers = CIMultiDictProxy(CIMultiDict([(_decode(k), _decode(v)) for k, v in connection.raw_headers]))
        length = _content_length(headers)
        response = _Response(connection, pool, instance, name, headers, length)
        if length is None or length > PREFETCH_LIMIT or request.method == "HEAD" or status < 200 \
                or status in (204, 304):
            return response
        try:
            response.body = await connection.read_all()
        except HopError as error:
            pool.discard(connection)
            circuit.record_failure()
            raise _upstream_error(error, name, request_sent=True, while_reading=True) from None
        except BaseException:
            pool.discard(connection)
            raise
        response.release()
        return response
