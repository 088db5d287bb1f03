"""The shadow sidecar: one process per proxy worker doing all of the worker's shadow work.

    python -m strangler_proxy.shadow.sidecar FD      (started by the worker's SidecarMirror)

It reads the exchanges its worker hands over on the socket FD (handoff.py) and runs them
through a `ComparingMirror` of its own: its own upstream pool (so the shadow's connections
and circuits are not the user's), in-flight caps, noise probes, the hard timeout,
comparison, HAR recording and the results store shared by every worker. Its counts go
back to the worker every half second for /metrics.

It runs at the lowest CPU priority (STRANGLER_SHADOW_SIDECAR_PRIORITY: Linux's SCHED_IDLE
by default), so a proxy worker that wakes takes the CPU from it at once, and when CPU is
short the shadow falls behind, which shows as counted drops. End of input (the worker stopped or died) or SIGTERM: in-flight exchanges are
dropped (counted), the results written, and it exits. SIGINT is left to the worker, which
stops it in order.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Sequence
from typing import Any

from strangler_proxy.config import ProxySettings
from strangler_proxy.forwarding.circuit import OPEN
from strangler_proxy.forwarding.upstream import UpstreamPool
from strangler_proxy.replay.recorder import HarRecorder
from strangler_proxy.routing.model import BackendSpec, RouteSpec
from strangler_proxy.shadow.comparing_mirror import ComparingMirror
from strangler_proxy.shadow.config import ShadowSettings
from strangler_proxy.shadow.handoff import MIRROR, RECORD, FrameReader, exchanges_of, frame
from strangler_proxy.shadow.metrics import ShadowTally
from strangler_proxy.shadow.results import open_results
from strangler_proxy.shadow.results.model import SHADOW

__all__ = ["Sidecar", "main"]

_log = logging.getLogger("strangler.shadow.sidecar")
REPORT_SECONDS = 0.5


class Sidecar(asyncio.Protocol):
    """Take the worker's messages as they arrive; report the counts back."""

    def __init__(self, mirror: ComparingMirror, pool: UpstreamPool, tally: ShadowTally) -> None:
        self.mirror = mirror
        self._pool = pool
        self._tally = tally
        self._reader = FrameReader()
        self._routes: dict[str, RouteSpec] = {}
        self._backends: dict[str, BackendSpec] = {}
        self._transport: asyncio.WriteTransport | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._reported_down: tuple[str, ...] = ()
        self.finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            messages = self._reader.feed(data)
        except Exception:
            _log.exception("unreadable message from the proxy worker; stopping")
            self.finish()
            return
        for message in messages:
            self.handle(message)

    def handle(self, message: tuple[Any, ...]) -> None:
        """Act on one message from the worker."""
        kind = message[0]
        if kind == "x":
            accept, routes = self.mirror.accept, self._routes
            for route_id, flags, request, primary in exchanges_of(message):
                route = routes.get(route_id)
                if route is None:  # cannot happen: a route is always defined before its first exchange
                    _log.error("exchange for undefined route %r dropped", route_id)
                    self._tally.outcome(route_id, "error")
                    self.mirror.add_counts({(route_id, "errors.internal", SHADOW): 1})
                    continue
                accept(route, request, primary, mirror=bool(flags & MIRROR), record=bool(flags & RECORD))
        elif kind == "route":
            route, backends = message[1], message[2]
            self._routes[route.id] = route
            if any(self._backends.get(name) != spec for name, spec in backends.items()):
                self._backends.update(backends)
                self._pool.configure(self._backends)
        elif kind == "counts":
            self.mirror.add_counts(message[1])
        elif kind == "drain":
            task = asyncio.get_running_loop().create_task(self._drain(message[1]))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _drain(self, token: int) -> None:
        await self.mirror.drain()
        self.report()
        self._send(("drained", token))

    def report(self) -> None:
        """Send the counts since the last report and the backends that are down, if either changed."""
        down = self._down()
        if self._tally or down != self._reported_down:
            self._reported_down = down
            self._send(("metrics", self._tally.take(), down))

    def _down(self) -> tuple[str, ...]:
        """Return the backends whose circuits are all open (not half-open: those want a probe)."""
        up: set[str] = set()
        seen: set[str] = set()
        for instance in self._pool.instances:
            seen.add(instance.backend)
            if instance.circuit.state != OPEN:
                up.add(instance.backend)
        return tuple(sorted(seen - up))

    def _send(self, message: tuple[Any, ...]) -> None:
        transport = self._transport
        if transport is not None and not transport.is_closing():
            transport.write(frame(message))

    def eof_received(self) -> bool:
        self.finish()
        return True  # keep our direction open for the last report

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        self.finish()

    def finish(self) -> None:
        """Stop taking exchanges: the worker is gone or asked us to stop."""
        if not self.finished.done():
            self.finished.set_result(None)

    def close(self) -> None:
        """Close our end of the socket."""
        if self._transport is not None:
            self._transport.close()


def _read_config(sock: socket.socket, reader: FrameReader) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    """Read (blocking) until the worker's first message, the configuration; return it and what followed."""
    while True:
        data = sock.recv(1 << 16)
        if not data:
            raise EOFError("the proxy worker closed the shadow sidecar's socket before configuring it")
        messages = reader.feed(data)
        if messages:
            if messages[0][0] != "config":
                raise ValueError(f"expected the configuration first, got {messages[0][0]!r}")
            return messages[0], messages[1:]


async def serve(sock: socket.socket, settings: ProxySettings, shadow: ShadowSettings, results_kind: str,
                reader: FrameReader, early: Sequence[tuple[Any, ...]]) -> int:
    """Run the sidecar until its worker goes away; return the exit code."""
    loop = asyncio.get_running_loop()
    pool = UpstreamPool()
    await pool.start()
    results = await asyncio.to_thread(open_results, settings, results_kind)
    recorder = HarRecorder(shadow.record_dir, entries_per_file=shadow.record_entries,
                           max_age_seconds=shadow.record_seconds)
    tally = ShadowTally()
    mirror = ComparingMirror(pool, None, results, shadow, body_limit=settings.mirror_body_limit, recorder=recorder,
                             owns_results=True, counters=tally)
    await mirror.start()
    sidecar = Sidecar(mirror, pool, tally)
    sidecar._reader = reader  # bytes already read past the configuration stay in it
    for message in early:
        sidecar.handle(message)
    await loop.create_unix_connection(lambda: sidecar, sock=sock)
    loop.add_signal_handler(signal.SIGTERM, sidecar.finish)

    async def report_forever() -> None:
        while True:
            await asyncio.sleep(REPORT_SECONDS)
            sidecar.report()

    reporter = loop.create_task(report_forever(), name="strangler-sidecar-report")
    await sidecar.finished
    reporter.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await reporter
    await mirror.stop()
    sidecar.report()
    sidecar.close()
    await pool.close()
    return 0


def _lower_priority(priority: str) -> None:
    """Give the CPU to the proxy workers first: SCHED_IDLE ("idle"), else the niceness given."""
    try:
        if priority == "idle" and hasattr(os, "SCHED_IDLE"):
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        elif priority.isdigit() and int(priority) > 0:
            os.nice(int(priority))
        elif priority == "idle":
            os.nice(19)  # no SCHED_IDLE outside Linux: the lowest niceness
    except OSError as error:
        _log.warning("cannot lower the shadow sidecar's priority: %s", error)


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the worker on the socket whose descriptor is the one argument."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or not args[0].isdigit():
        print("usage: python -m strangler_proxy.shadow.sidecar FD (started by a proxy worker)", file=sys.stderr)
        return 2
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C reaches the worker, which stops us in order
    sock = socket.socket(fileno=int(args[0]))
    reader = FrameReader()
    config, early = _read_config(sock, reader)
    _, settings, shadow, results_kind = config
    from strangler_proxy.server.runner import configure_logging

    configure_logging(settings.log_level)
    _lower_priority(shadow.sidecar_priority)
    sock.setblocking(False)
    try:
        import uvloop

        return uvloop.run(serve(sock, settings, shadow, results_kind, reader, early))
    except ImportError:  # pragma: no cover - uvloop is a dependency except on Windows
        return asyncio.run(serve(sock, settings, shadow, results_kind, reader, early))


if __name__ == "__main__":
    sys.exit(main())
