"""The proxy worker's side of the shadow sidecar: decide, count, hand over, and keep the sidecar alive.

With shared results (SQLite or Redis) a worker runs no shadow work of its own: `submit`, on
the request path after the user's answer is written, only makes the first decisions
(admission.py: record? mirror? sample rate, method, body cap), counts refusals in plain
totals, and appends the exchange to a batch for the worker's sidecar process (sidecar.py),
which sends, times, probes, compares, records and stores. So none of that takes the
worker's event loop or its GIL, and a slow or dead shadow target cannot reach the user.

The hand-off never waits: the batch is pickled and sent in one write every 20 ms to a
socketpair whose send buffer is STRANGLER_SHADOW_HANDOFF_BYTES; past that much again
waiting in the worker, exchanges are dropped and counted (`dropped.handoff`). While the
sidecar is down they are dropped and counted (`dropped.sidecar`); the worker restarts it
after 1 s, doubling to 30 s while it keeps dying, and logs each exit.

The sidecar is started with the first shadowed exchange (a worker serving no shadow route
never starts one) and stopped with the worker: end of input, it finishes, writes its last
results and exits. Its counts come back every half second and are added to the worker's
Prometheus series, so /metrics reads as before, with the backends whose circuits are all
open in the sidecar: exchanges for those are counted (`errors.unavailable`) without being
handed over, until a circuit half-opens. The worker's own refusals go to the sidecar for
the results store.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from prometheus_client import Counter as PromCounter
from prometheus_client import Gauge

from strangler_proxy.config import ProxySettings
from strangler_proxy.forwarding.upstream import Upstream
from strangler_proxy.metrics import ProxyMetrics
from strangler_proxy.mirror import MirroredRequest, MirroredResponse
from strangler_proxy.routing.model import MONOLITH, RouteSpec
from strangler_proxy.shadow.admission import Refusal, admit
from strangler_proxy.shadow.config import ShadowSettings
from strangler_proxy.shadow.handoff import MIRROR, RECORD, FrameReader, exchanges_frame, frame
from strangler_proxy.shadow.metrics import ShadowMetrics
from strangler_proxy.shadow.results.model import REVERSE, SHADOW
from strangler_proxy.shadow.sampling import Sampler

__all__ = ["SidecarMirror"]

_log = logging.getLogger("strangler.shadow")
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]
_TICK_SECONDS = 0.5
# Exchanges are written in batches, one write per 20 ms (or per 16 KiB): a write that wakes
# an idle sidecar costs the worker some 15-20 µs of CPU on a VM, and pickling a lone
# exchange between requests, with cold caches, several times what it costs in a batch.
# The shadow's timings are taken in the sidecar, so this delay is not in them.
_BATCH_SECONDS = 0.02
_BATCH_BYTES = 16 * 1024
_EXCHANGE_OVERHEAD = 512  # bytes an exchange takes on the wire besides its bodies, about
_MAX_RESTART_DELAY = 30.0
_STABLE_SECONDS = 60.0  # a sidecar that lived this long resets the restart delay
_DROPPED_HANDOFF: Refusal = ("dropped", "dropped.handoff")
_DROPPED_SIDECAR: Refusal = ("dropped", "dropped.sidecar")
_DROPPED_SHUTDOWN: Refusal = ("dropped", "dropped.shutdown")
_ERROR: Refusal = ("error", "errors.internal")
_TARGET_DOWN: Refusal = ("failed", "errors.unavailable")
# Where the worker is with its sidecar.
_IDLE, _STARTING, _UP, _DOWN, _STOPPED = "idle", "starting", "up", "down", "stopped"


class _Link(asyncio.Protocol):
    """One sidecar process and the worker's end of its socket."""

    def __init__(self, mirror: SidecarMirror) -> None:
        self._mirror = mirror
        self._reader = FrameReader()
        self.transport: asyncio.WriteTransport | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.drains: dict[int, asyncio.Future[None]] = {}

    def data_received(self, data: bytes) -> None:
        try:
            messages = self._reader.feed(data)
        except Exception:
            _log.exception("unreadable message from the shadow sidecar; closing its link")
            if self.transport is not None:
                self.transport.abort()
            return
        for message in messages:
            if message[0] == "metrics":
                self._mirror.metrics.add(message[1])
                self._mirror._down = frozenset(message[2])
            elif message[0] == "drained":
                waiter = self.drains.pop(message[1], None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(None)

    def eof_received(self) -> bool:
        return False  # the sidecar is gone: close our end too

    def connection_lost(self, exc: Exception | None) -> None:
        self._mirror._lost(self)
        if not self.closed.done():
            self.closed.set_result(None)
        for waiter in self.drains.values():
            if not waiter.done():
                waiter.set_result(None)
        self.drains.clear()


class SidecarMirror:
    """Hand shadowed exchanges to a sidecar process; never wait, drop and count when it cannot keep up."""

    def __init__(self, upstream: Upstream, metrics: ProxyMetrics, results_kind: str, settings: ProxySettings,
                 shadow: ShadowSettings | None = None, *, rng: Callable[[], float] = random.random,
                 command: Sequence[str] | None = None, restart_delay: float = 1.0) -> None:
        self._upstream = upstream
        self.metrics = ShadowMetrics(metrics)
        registry = metrics.registry
        self._restarts_total = PromCounter("strangler_shadow_sidecar_restarts",
                                           "Shadow sidecars that exited and were started again.", registry=registry)
        self._up_gauge = Gauge("strangler_shadow_sidecar_up", "Shadow sidecar processes running.",
                               registry=registry, multiprocess_mode="livesum")
        self.settings = shadow or ShadowSettings.from_env()
        self._proxy_settings = settings
        self._results_kind = results_kind
        self._chosen = Sampler(rng).chosen
        self._command = tuple(command or (sys.executable, "-m", "strangler_proxy.shadow.sidecar"))
        self._restart_delay = restart_delay
        self._limit = self.settings.handoff_bytes
        self._batch_bytes = max(1, min(_BATCH_BYTES, self._limit // 2))  # a batch alone never fills the budget
        self._state = _IDLE
        self._link: _Link | None = None
        self._exchanges: list[tuple[RouteSpec, int, MirroredRequest, MirroredResponse]] = []
        self._messages: list[bytes] = []
        self._pending_bytes = 0  # of both, the exchanges' estimated
        self._write_timer: asyncio.Handle | None = None
        self._routes_sent: dict[str, RouteSpec] = {}
        # (route, outcome, results counter, source): n since the last tick, and the counters the sidecar has not had
        self._refused: dict[tuple[str, str, str, str], int] = {}
        self._counts: Counter[tuple[str, str, str]] = Counter()
        self._down: frozenset[str] = frozenset()  # backends the sidecar last said are down (every circuit open)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._drain_token = 0
        self.restarts = 0

    @property
    def pid(self) -> int | None:
        """Return the running sidecar's process id."""
        link = self._link
        return link.process.pid if link is not None and link.process is not None and self._state == _UP else None

    @property
    def down(self) -> frozenset[str]:
        """Return the backends the sidecar last reported down (every circuit open)."""
        return self._down

    # --- the request path --------------------------------------------------------------------

    def submit(self, route: RouteSpec, request: MirroredRequest, primary: MirroredResponse) -> None:
        """Decide, count and queue the exchange for the sidecar; never raise, never wait."""
        try:
            record, refused = admit(route, request, primary, chosen=self._chosen, settings=self.settings,
                                    is_dry_run=self._is_dry_run)
            if refused is not None:
                self._refuse(route.id, refused)
                if record:
                    self._hand_off(route, RECORD, request, primary)
                return
            if self._down:
                reverse = request.mirror_to == MONOLITH
                if (MONOLITH if reverse else route.backend) in self._down:
                    # Its sidecar has every circuit to the target open: count it without handing it over.
                    self._refuse(route.id, _TARGET_DOWN, REVERSE if reverse else SHADOW)
                    if record:
                        self._hand_off(route, RECORD, request, primary)
                    return
            self._hand_off(route, MIRROR | RECORD if record else MIRROR, request, primary)
        except Exception:  # the request path must never see a mirror failure
            _log.exception("shadow submit failed for %s %s", request.method, request.path_qs)

    def _hand_off(self, route: RouteSpec, flags: int, request: MirroredRequest, primary: MirroredResponse) -> None:
        link = self._link
        if link is None:
            if self._state == _IDLE:
                link = self._begin()
            else:
                if flags & MIRROR:
                    self._refuse(route.id, _DROPPED_SHUTDOWN if self._state == _STOPPED else _DROPPED_SIDECAR)
                return
        transport = link.transport
        waiting = self._pending_bytes + (transport.get_write_buffer_size() if transport is not None else 0)
        if waiting > self._limit:
            if flags & MIRROR:
                self._refuse(route.id, _DROPPED_HANDOFF)
            return
        # Kept as they are: pickled with the whole batch when it is written, off the request.
        self._exchanges.append((route, flags, request, primary))
        self._pending_bytes += _EXCHANGE_OVERHEAD + len(primary.body or b"") + len(request.body or b"")
        self._schedule_write()

    def _refuse(self, route: str, refusal: Refusal, source: str = SHADOW) -> None:
        key = (route, *refusal, source)
        self._refused[key] = self._refused.get(key, 0) + 1

    def _queue(self, data: bytes, *, now: bool = False) -> None:
        """Queue a message (not an exchange): written after the exchanges queued before it."""
        self._messages.append(data)
        self._pending_bytes += len(data)
        self._schedule_write(now=now)

    def _schedule_write(self, *, now: bool = False) -> None:
        if self._state != _UP:
            return  # written when the sidecar is up
        if now or self._pending_bytes >= self._batch_bytes:
            if self._write_timer is not None:
                self._write_timer.cancel()
            self._write_timer = (self._loop or asyncio.get_running_loop()).call_soon(self._write)
        elif self._write_timer is None:
            self._write_timer = (self._loop or asyncio.get_running_loop()).call_later(_BATCH_SECONDS, self._write)

    def _write(self) -> None:
        """Send everything queued, in one write."""
        if self._write_timer is not None:
            self._write_timer.cancel()
            self._write_timer = None
        link = self._link
        if link is None or link.transport is None or not (self._exchanges or self._messages):
            return
        exchanges, messages = self._exchanges, self._messages
        self._exchanges, self._messages, self._pending_bytes = [], [], 0
        parts = []
        if exchanges:
            try:
                sent = self._routes_sent
                for route, _, _, _ in exchanges:
                    if sent.get(route.id) is not route:
                        parts.append(frame(("route", route, self._backends_of(route))))
                        sent[route.id] = route
                parts.append(exchanges_frame(exchanges))
            except Exception:  # never seen: everything handed over is plain data
                _log.exception("cannot hand %d shadowed exchanges to the sidecar", len(exchanges))
                parts = []
                self._routes_sent = {}  # what was defined may not have gone out
                for route, flags, _, _ in exchanges:
                    if flags & MIRROR:
                        self._refuse(route.id, _ERROR)
        parts += messages
        link.transport.write(b"".join(parts))

    def _is_dry_run(self, backend: str) -> bool:
        spec_of = getattr(self._upstream, "backend_spec", None)
        spec = spec_of(backend) if spec_of is not None else None
        return bool(spec is not None and spec.dry_run)

    def _backends_of(self, route: RouteSpec) -> dict[str, Any]:
        spec_of = getattr(self._upstream, "backend_spec", None)
        if spec_of is None:
            return {}
        specs = {name: spec_of(name) for name in {route.backend or MONOLITH, MONOLITH}}
        return {name: spec for name, spec in specs.items() if spec is not None}

    # --- the sidecar's life --------------------------------------------------------------------

    async def start(self) -> None:
        """Start counting; the sidecar itself starts with the first exchange."""
        self._loop = asyncio.get_running_loop()
        if self._state == _STOPPED:
            self._state = _IDLE
        self._ticker = self._loop.create_task(self._tick_forever(), name="strangler-shadow-tick")

    def _begin(self) -> _Link:
        self._state = _STARTING
        link = self._link = _Link(self)
        if self._supervisor is None or self._supervisor.done():
            self._supervisor = asyncio.get_running_loop().create_task(self._supervise(),
                                                                       name="strangler-shadow-sidecar")
        return link

    async def _supervise(self) -> None:
        loop = asyncio.get_running_loop()
        delay = self._restart_delay
        while True:
            link = self._link
            if link is None or self._state == _STOPPED:
                return
            began = loop.time()
            try:
                await self._connect(link)
            except Exception:
                _log.exception("cannot start the shadow sidecar")
            else:
                if self._state == _STOPPED:
                    return
                self._state = _UP
                self._up_gauge.inc()
                self._write()
                await asyncio.shield(link.closed)
                self._up_gauge.dec()
            if self._state == _STOPPED:
                return
            self._lost(link)
            code = await _reap(link.process, 5.0)
            self.restarts += 1
            self._restarts_total.inc()
            if loop.time() - began > _STABLE_SECONDS:
                delay = self._restart_delay
            _log.error("shadow sidecar exited (code %s); mirrored exchanges are dropped and counted until it is "
                       "back, in %.1f s", code, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, _MAX_RESTART_DELAY)
            if self._state == _STOPPED:
                return
            self._begin()

    async def _connect(self, link: _Link) -> None:
        ours, theirs = socket.socketpair()
        try:
            # The pipe's capacity is part of the hand-off's budget.
            with contextlib.suppress(OSError):
                ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, max(4096, self._limit))
            env = {key: value for key, value in os.environ.items() if key != "PROMETHEUS_MULTIPROC_DIR"}
            env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(_PACKAGE_ROOT), env.get("PYTHONPATH"))))
            link.process = await asyncio.to_thread(
                subprocess.Popen, [*self._command, str(theirs.fileno())], pass_fds=(theirs.fileno(),), env=env,
                stdin=subprocess.DEVNULL)
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        try:
            transport, _ = await asyncio.get_running_loop().create_unix_connection(lambda: link, sock=ours)
        except BaseException:
            ours.close()  # the sidecar reads the end of its input and exits
            raise
        link.transport = transport  # type: ignore[assignment]
        transport.write(frame(("config", self._proxy_settings, self.settings, self._results_kind)))

    def _lost(self, link: _Link) -> None:
        """The sidecar's end closed: from now on exchanges are dropped and counted until a new one is up."""
        if link is self._link and self._state != _STOPPED:
            self._link = None
            self._state = _DOWN
            self._exchanges, self._messages, self._pending_bytes = [], [], 0
            self._routes_sent = {}
            self._down = frozenset()

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(_TICK_SECONDS)
            self._tick()

    def _tick(self) -> None:
        """Add the refusals to the Prometheus series, and pass them on to the sidecar for the results store."""
        refused, self._refused = self._refused, {}
        counts = self._counts
        for (route, outcome, counter, source), n in refused.items():
            self.metrics.outcome(route, outcome, n)
            counts[(route, counter, source)] += n
        if not counts:
            return
        if self._state == _IDLE:
            self._begin()
        if self._link is not None and self._state in (_STARTING, _UP):
            self._queue(frame(("counts", dict(counts))))
            counts.clear()

    async def drain(self) -> None:
        """Wait until the sidecar has finished and stored every exchange handed over so far (tests)."""
        self._tick()
        link = self._link
        if link is None:
            return
        self._drain_token += 1
        waiter = asyncio.get_running_loop().create_future()
        link.drains[self._drain_token] = waiter
        self._queue(frame(("drain", self._drain_token)), now=True)
        await waiter

    async def stop(self) -> None:
        """Stop handing over, let the sidecar write what it has and exit (killed after a grace period)."""
        self._tick()
        self._state = _STOPPED
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        link = self._link
        grace = self.settings.timeout + 10.0
        if link is not None and link.transport is None and self._supervisor is not None:
            # Still starting: let it connect, so the sidecar hears the end of its input.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._supervisor), grace)
        if link is not None and link.transport is not None:
            self._write()
            with contextlib.suppress(Exception):
                link.transport.write_eof()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(link.closed), grace)
            link.transport.close()
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._supervisor
            self._supervisor = None
        if link is not None:
            await _reap(link.process, 2.0)
        self._link = None


async def _reap(process: subprocess.Popen[bytes] | None, timeout: float) -> int | None:
    """Wait for the process to exit (killing it after `timeout`); return its exit code."""
    if process is None:
        return None
    try:
        return await asyncio.to_thread(process.wait, timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        return await asyncio.to_thread(process.wait)
