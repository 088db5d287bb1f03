"""The shadow-mode hook: what the proxy hands over after the monolith has answered a shadowed request.

For a route in `shadow` mode the client is served by the monolith; once that answer is
complete the proxy calls ``mirror.submit(route, request, primary)`` with snapshots of the
request and of the monolith's response. `submit` must return at once and never raise: the
request path does not wait for it. Whatever a mirror does next (send the request to the
extracted backend, compare the two answers, record them) happens off the request path.

`BackendMirror` is the default: it replays safe requests (GET, HEAD, OPTIONS) to the route's
extracted backend from a bounded queue, counts the outcome and discards the answer. A
comparing mirror (a later issue) subclasses it and overrides `compared(...)`, or implements
the `Mirror` protocol itself and is passed to `create_app(mirror=...)`.
Bodies are captured up to STRANGLER_MIRROR_BODY_LIMIT bytes; larger ones arrive as None
with `body_truncated=True`. A `MirroredResponse` maps directly onto the diff engine's
`strangler_proxy.diff.snapshot.ResponseSnapshot(status, headers, body)`.

Headers may be handed over as `WireHeaders` (`request_headers(outbound)`,
`answer_headers(response)`): the bytes as they were on the wire, decoded to (name, value)
pairs only when a mirror reads them, which with the shadow sidecar happens in another
process; decoding them on the request path cost more than everything else the hand-off did.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, overload

from multidict import CIMultiDict

from strangler_proxy.errors import UpstreamError
from strangler_proxy.forwarding.headers import RawHeaders, parse_head_lines
from strangler_proxy.forwarding.upstream import OutboundRequest, Upstream, UpstreamResponse
from strangler_proxy.metrics import ProxyMetrics
from strangler_proxy.routing.model import SAFE_METHODS, RouteSpec

__all__ = ["BackendMirror", "Mirror", "NullMirror", "MirroredRequest", "MirroredResponse", "WireHeaders",
           "answer_headers", "request_headers"]

_log = logging.getLogger("strangler.mirror")


class WireHeaders(Sequence[tuple[str, str]]):
    """Headers as they were on the wire, read as (name, value) text pairs, decoded when first read.

    `wire` is either head lines (b"Name: value\\r\\n"...) or raw (name, lower-case name, value)
    triples. Equal to any sequence of the same pairs; pickled as the wire bytes.
    """

    __slots__ = ("_wire", "_pairs")

    def __init__(self, wire: bytes | Sequence[tuple[bytes, bytes, bytes]]) -> None:
        self._wire = wire
        self._pairs: tuple[tuple[str, str], ...] | None = None

    @property
    def wire(self) -> bytes | Sequence[tuple[bytes, bytes, bytes]]:
        """Return the headers as they were given."""
        return self._wire

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        """Return the headers as text pairs."""
        pairs = self._pairs
        if pairs is None:
            wire = self._wire
            if isinstance(wire, bytes):
                pairs = tuple(parse_head_lines(wire))
            else:
                pairs = tuple((name.decode("latin-1"), value.decode("latin-1")) for name, _, value in wire)
            self._pairs = pairs
        return pairs

    @overload
    def __getitem__(self, index: int) -> tuple[str, str]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[str, str]]: ...

    def __getitem__(self, index: Any) -> Any:
        return self.pairs[index]

    def __len__(self) -> int:
        return len(self.pairs)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.pairs)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, WireHeaders):
            return self.pairs == other.pairs
        if isinstance(other, Sequence) and not isinstance(other, (str, bytes)):
            return self.pairs == tuple(tuple(pair) for pair in other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.pairs)

    def __repr__(self) -> str:
        return f"WireHeaders({list(self.pairs)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (WireHeaders, (self._wire,))


def request_headers(outbound: OutboundRequest) -> Sequence[tuple[str, str]]:
    """Return an outbound request's headers for a mirror, undecoded if they are still the wire's."""
    head = outbound.head
    if head is None:
        return tuple(outbound.headers.items())
    lines = head.lines if head.length is None else head.lines + b"Content-Length: " + head.length + b"\r\n"
    return WireHeaders(lines)


def answer_headers(response: UpstreamResponse) -> Sequence[tuple[str, str]]:
    """Return an upstream answer's headers for a mirror, undecoded if they are still the wire's."""
    raw: RawHeaders | None = getattr(response, "raw_headers", None)
    if raw is None:
        return tuple(response.headers.items())
    return WireHeaders(tuple(raw))


# Not frozen: a frozen dataclass is built through object.__setattr__, field by field, which
# costs twice as much, and these are built on the request path.
@dataclass(slots=True)
class MirroredRequest:
    """The request as it was forwarded (headers already cleaned).

    `mirror_to` is the routing decision's mirror target: the route's extracted backend (shadow)
    or "monolith" (the reverse shadow); None when the forwarder does not say.
    """

    request_id: str
    method: str
    path_qs: str
    headers: Sequence[tuple[str, str]]
    body: bytes | None
    body_truncated: bool = False
    mirror_to: str | None = None


@dataclass(slots=True)
class MirroredResponse:
    """An answer: status, headers and the body if it was small enough to keep."""

    status: int
    headers: Sequence[tuple[str, str]]
    body: bytes | None
    body_truncated: bool = False
    elapsed: float | None = None  # seconds from the request's arrival to the answer's last byte
    backend: str | None = None  # who answered (the monolith after a fallback); None: not said


class Mirror(Protocol):
    """Receives shadowed exchanges; `submit` is fire-and-forget."""

    def submit(self, route: RouteSpec, request: MirroredRequest, primary: MirroredResponse) -> None:
        """Take the exchange; return at once, never raise."""

    async def start(self) -> None:
        """Start background work (on the event loop)."""

    async def stop(self) -> None:
        """Finish or drop queued work."""


class NullMirror:
    """A mirror that does nothing."""

    def submit(self, route: RouteSpec, request: MirroredRequest, primary: MirroredResponse) -> None:
        return None

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


class BackendMirror:
    """Replay shadowed safe requests to the extracted backend and discard (count) the answers."""

    def __init__(self, upstream: Upstream, metrics: ProxyMetrics, *, queue_size: int = 1000,
                 workers: int = 4) -> None:
        self._upstream = upstream
        self._metrics = metrics
        self._queue: asyncio.Queue[tuple[RouteSpec, MirroredRequest, MirroredResponse]] = asyncio.Queue(queue_size)
        self._worker_count = workers
        self._workers: list[asyncio.Task[None]] = []

    def submit(self, route: RouteSpec, request: MirroredRequest, primary: MirroredResponse) -> None:
        if route.backend is None or request.method not in SAFE_METHODS or request.body_truncated \
                or request.mirror_to not in (None, route.backend):  # the reverse shadow is not for this mirror
            self._count(route, "skipped")
            return
        try:
            self._queue.put_nowait((route, request, primary))
        except asyncio.QueueFull:
            self._count(route, "dropped")

    async def start(self) -> None:
        self._workers = [asyncio.create_task(self._work(), name=f"strangler-mirror-{n}")
                         for n in range(self._worker_count)]

    async def stop(self) -> None:
        for task in self._workers:
            task.cancel()
        for task in self._workers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._workers = []

    async def _work(self) -> None:
        while True:
            route, request, primary = await self._queue.get()
            try:
                shadow = await self.mirror(route, request)
                self._count(route, "sent" if shadow is not None else "failed")
                await self.compared(route, request, primary, shadow)
            except Exception:  # a bad mirror must never take the worker down
                _log.exception("mirror of %s %s failed", request.method, request.path_qs)
                self._count(route, "error")
            finally:
                self._queue.task_done()

    async def mirror(self, route: RouteSpec, request: MirroredRequest) -> MirroredResponse | None:
        """Send the request to the route's extracted backend; return its answer or None on failure."""
        headers = CIMultiDict(request.headers)
        headers["X-Strangler-Shadow"] = "1"
        outbound = OutboundRequest(request.method, request.path_qs, headers, request.body)
        try:
            response = await self._upstream.send(route.backend or "", outbound)
        except UpstreamError:
            return None
        try:
            body = await response.read()
        except Exception:
            return None
        finally:
            response.release()
        return MirroredResponse(response.status, tuple(response.headers.items()), body)

    async def compared(self, route: RouteSpec, request: MirroredRequest, primary: MirroredResponse,
                       shadow: MirroredResponse | None) -> None:
        """Hook for the comparison: both answers are here. The default discards them."""

    async def drain(self) -> None:
        """Wait until every queued exchange was handled (for tests)."""
        await self._queue.join()

    def _count(self, route: RouteSpec, outcome: str) -> None:
        self._metrics.mirrors.labels(route.id, outcome).inc()
