"""The pooled, keep-alive upstream client: round-robin over healthy instances with closed circuits.

`Upstream` is the interface the data plane uses, so tests can inject their own; `UpstreamPool`
is the real one, on one aiohttp session per worker. The session never decompresses, never
keeps cookies (one client's cookies must not leak into another's request) and adds no
headers of its own. Errors come back as the UpstreamError family; `request_sent` tells
whether the request may have reached the backend.
"""
from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from strangler_proxy.errors import BackendUnavailable, UpstreamTimeout, UpstreamUnreachable
from strangler_proxy.forwarding.circuit import CircuitBreaker
from strangler_proxy.routing.model import SAFE_METHODS, BackendSpec

__all__ = ["PREFETCH_LIMIT", "Instance", "OutboundRequest", "Upstream", "UpstreamPool", "UpstreamResponse"]

# Streamed bodies move in pieces of whatever has arrived, up to the read buffer: big enough
# for throughput, small enough that a slow client holds back the backend (flow control).
_READ_BUFFER = 256 * 1024
# Bodies of declared length up to this are read whole before answering: one write to the
# client instead of a stream, and a failure while reading can still become a JSON error.
PREFETCH_LIMIT = 256 * 1024


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
    timeout: aiohttp.ClientTimeout
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
    """An aiohttp response that records the circuit outcome of body failures."""

    __slots__ = ("_raw", "_instance", "status", "reason", "headers", "instance", "body")

    def __init__(self, raw: aiohttp.ClientResponse, instance: Instance, body: bytes | None = None) -> None:
        self._raw = raw
        self._instance = instance
        self.status = raw.status
        self.reason = raw.reason
        self.headers = raw.headers
        self.instance = instance.url
        self.body = body

    @property
    def content_length(self) -> int | None:
        return self._raw.content_length

    async def iter_chunks(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._raw.content.iter_any():
                yield chunk
        except (aiohttp.ClientError, asyncio.TimeoutError):
            self._instance.circuit.record_failure()
            raise

    async def read(self) -> bytes:
        try:
            return await self._raw.read()
        except (aiohttp.ClientError, asyncio.TimeoutError):
            self._instance.circuit.record_failure()
            raise

    def release(self) -> None:
        self._raw.release()

    def close(self) -> None:
        self._raw.close()


class UpstreamPool:
    """The real upstream: one keep-alive session, backends balanced round-robin."""

    def __init__(
        self,
        backends: Mapping[str, BackendSpec] | None = None,
        *,
        on_circuit_change: Callable[[Instance, str], None] | None = None,
    ) -> None:
        self._on_circuit_change = on_circuit_change
        self._backends: dict[str, _Backend] = {}
        self._session: aiohttp.ClientSession | None = None
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
            timeout = aiohttp.ClientTimeout(total=None, connect=spec.connect_timeout,
                                            sock_read=spec.read_timeout)
            fresh[name] = _Backend(spec, instances, timeout)
        self._backends = fresh

    def _instance(self, backend: str, url: str, spec: BackendSpec) -> Instance:
        holder: list[Instance] = []

        def changed(state: str) -> None:
            if self._on_circuit_change is not None and holder:
                self._on_circuit_change(holder[0], state)

        instance = Instance(backend, url, CircuitBreaker(
            failure_threshold=spec.failure_threshold, reset_timeout=spec.reset_timeout, on_change=changed))
        holder.append(instance)
        return instance

    @property
    def session(self) -> aiohttp.ClientSession:
        """Return the shared client session (after `start`)."""
        if self._session is None:
            raise RuntimeError("UpstreamPool.start() was not awaited")
        return self._session

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(limit=0, limit_per_host=512, keepalive_timeout=30,
                                         ttl_dns_cache=10)
        self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
            timeout=aiohttp.ClientTimeout(total=None),
            read_bufsize=_READ_BUFFER,
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

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

    async def _send_once(self, pool: _Backend, instance: Instance, request: OutboundRequest) -> _Response:
        name = pool.spec.name
        url = URL(instance.url + request.path_qs, encoded=True)
        try:
            raw = await self.session.request(
                request.method, url, headers=request.headers, data=request.body,
                allow_redirects=False, timeout=pool.timeout)
        except aiohttp.ConnectionTimeoutError:
            instance.circuit.record_failure()
            raise UpstreamTimeout(f"backend {name!r} did not accept a connection in time",
                                  backend=name, request_sent=False) from None
        except aiohttp.ClientConnectorError as error:
            instance.circuit.record_failure()
            raise UpstreamUnreachable(f"cannot connect to backend {name!r}", backend=name,
                                      request_sent=False, cause=str(error)) from None
        except (aiohttp.ServerTimeoutError, asyncio.TimeoutError):
            instance.circuit.record_failure()
            raise UpstreamTimeout(f"backend {name!r} did not answer in time", backend=name,
                                  request_sent=True) from None
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as error:
            instance.circuit.record_failure()
            raise UpstreamUnreachable(f"backend {name!r} closed the connection", backend=name,
                                      request_sent=True, retryable=True, cause=str(error)) from None
        except aiohttp.ClientError as error:
            instance.circuit.record_failure()
            raise UpstreamUnreachable(f"backend {name!r} sent an invalid response", backend=name,
                                      request_sent=True, cause=str(error)) from None
        except BaseException:
            instance.circuit.release()
            raise
        status = raw.status
        if status >= 500:
            instance.circuit.record_failure()
        else:
            instance.circuit.record_success()
        length = raw.content_length
        if length is None or length > PREFETCH_LIMIT or request.method == "HEAD" or status < 200 \
                or status in (204, 304):
            return _Response(raw, instance)
        try:
            body = await raw.read()
        except (aiohttp.ServerTimeoutError, asyncio.TimeoutError):
            raw.close()
            instance.circuit.record_failure()
            raise UpstreamTimeout(f"backend {name!r} did not send its answer in time", backend=name,
                                  request_sent=True) from None
        except aiohttp.ClientError as error:
            raw.close()
            instance.circuit.record_failure()
            raise UpstreamUnreachable(f"backend {name!r} broke off its answer", backend=name,
                                      request_sent=True, cause=str(error)) from None
        return _Response(raw, instance, body)

