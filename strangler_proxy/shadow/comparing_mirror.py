"""The comparing mirror: shadowed exchanges sent to the extracted side, compared, kept.

It implements the proxy's `Mirror` hook (strangler_proxy/mirror.py). A proxy worker runs it
itself only with in-memory results or STRANGLER_SHADOW_SIDECAR=0; otherwise it runs in the
worker's shadow sidecar process (sidecar.py), fed through `accept` with the exchanges the
worker admitted. `submit` runs on the request path after the user's answer is complete, and
only decides and counts: record? mirror? (admission.py: sample rate, body cap, method
safety) room? (in-flight caps) — then it starts a task and returns. Off the request path
the task sends the request to the extracted backend and, for a noise probe, to the monolith
a second time, both at once, under one hard timeout; compares (in a worker thread when the
answers are large); and adds the outcome to a batch that a background task writes to the
shared results store every STRANGLER_SHADOW_FLUSH_SECONDS.

Safe methods (GET, HEAD, OPTIONS) are mirrored; others only to a backend marked
`dry_run = true`, with `X-Strangler-Dry-Run: 1`. Every mirrored request carries
`X-Strangler-Shadow: 1`. A noise probe is only ever a safe request.

The reverse shadow (`request.mirror_to == "monolith"`: a canary or extracted route with
`[routes.shadow] reverse = true`, its request served by the extracted backend) mirrors to
the monolith instead and compares the other way round, primary = extracted; its results
go to the route's `reverse` source, and its noise probe, a second monolith call, is
compared with the first monolith answer.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import aiohttp
from multidict import CIMultiDict

from strangler_proxy.diff import Comparison, NoiseModel
from strangler_proxy.errors import BackendUnavailable, StranglerError, UpstreamError, UpstreamTimeout
from strangler_proxy.forwarding.circuit import OPEN
from strangler_proxy.forwarding.upstream import OutboundRequest, Upstream
from strangler_proxy.metrics import ProxyMetrics
from strangler_proxy.mirror import MirroredRequest, MirroredResponse
from strangler_proxy.routing.model import MONOLITH, SAFE_METHODS, RouteSpec
from strangler_proxy.shadow.admission import admit
from strangler_proxy.shadow.config import ShadowSettings
from strangler_proxy.shadow.exchange import Answer, compare_exchange, make_sample
from strangler_proxy.shadow.metrics import ShadowCounters, ShadowMetrics
from strangler_proxy.shadow.policy import ShadowPolicy
from strangler_proxy.shadow.results.base import ResultsStore
from strangler_proxy.shadow.results.latency import bucket_of
from strangler_proxy.shadow.results.model import REVERSE, SHADOW, ResultsBatch, field_is_real
from strangler_proxy.shadow.sampling import InFlight, Sampler

__all__ = ["DRY_RUN_HEADER", "SHADOW_HEADER", "ComparingMirror", "Recorder"]

SHADOW_HEADER = "X-Strangler-Shadow"
DRY_RUN_HEADER = "X-Strangler-Dry-Run"
_NO_POLICY = ShadowPolicy()
# Small answers are compared right in the exchange's task: that costs less than handing them
# to the compare thread (and contending for the GIL with it); larger ones go to the thread,
# so one big comparison is sliced by the interpreter instead of holding the loop whole.
_INLINE_COMPARE_BYTES = 8 * 1024
_log = logging.getLogger("strangler.shadow")


class Recorder:
    """What the mirror needs of a HAR recorder (strangler_proxy.replay.recorder.HarRecorder)."""

    def add(self, route: RouteSpec, request: MirroredRequest, primary: MirroredResponse) -> None:
        """Take an exchange to record; return at once."""

    async def flush(self, *, final: bool = False) -> None:
        """Write what is due (everything when final)."""


class _NoAnswer(Exception):
    """A side gave no answer; `kind` says why (timeout, unreachable, unavailable, too_large, error)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class _Job:
    route: RouteSpec
    request: MirroredRequest
    primary: MirroredResponse
    probe: bool
    dry_run: bool
    target: str = ""  # where it is mirrored: the route's extracted backend, or the monolith (reverse)
    source: str = SHADOW  # REVERSE: the primary is the extracted answer


class ComparingMirror:
    """Mirror shadowed exchanges to the extracted backend, compare the answers, keep the results."""

    def __init__(self, upstream: Upstream, metrics: ProxyMetrics | None, results: ResultsStore,
                 settings: ShadowSettings | None = None, *, body_limit: int = 64 * 1024,
                 rng: Callable[[], float] = random.random, recorder: Recorder | None = None,
                 owns_results: bool = False, counters: ShadowCounters | None = None) -> None:
        """`counters` replaces the Prometheus series (`metrics` may then be None): the sidecar's tally."""
        self._upstream = upstream
        self._metrics: ShadowCounters = counters if counters is not None else ShadowMetrics(metrics)
        self.results = results
        self.settings = settings or ShadowSettings()
        self._body_limit = body_limit
        self._sampler = Sampler(rng)
        self._recorder = recorder
        self._owns_results = owns_results
        self._inflight = InFlight(self.settings.concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self._lock = threading.Lock()  # the batch is filled from the loop and the compare thread
        self._batch = ResultsBatch()
        self._sampled: Counter[tuple[str, str, str]] = Counter()
        self._models: dict[str, NoiseModel] = {}
        self._executor: ThreadPoolExecutor | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._stopping = False

    # --- the request path --------------------------------------------------------------------

    def submit(self, route: RouteSpec, request: MirroredRequest, primary: MirroredResponse) -> None:
        """Decide, count and start the exchange; never raise, never wait."""
        try:
            self._submit(route, request, primary)
        except Exception:  # the request path must never see a mirror failure
            _log.exception("shadow submit failed for %s %s", request.method, request.path_qs)

    def _submit(self, route: RouteSpec, request: MirroredRequest, primary: MirroredResponse) -> None:
        record, refused = admit(route, request, primary, chosen=self._sampler.chosen, settings=self.settings,
                                is_dry_run=self._is_dry_run, can_record=self._recorder is not None)
        if refused is not None:
            if record:
                self._recorder.add(route, request, primary)  # type: ignore[union-attr]
            return self._not_sent(route.id, *refused)
        self.accept(route, request, primary, record=record)

    def accept(self, route: RouteSpec, request: MirroredRequest, primary: MirroredResponse, *,
               mirror: bool = True, record: bool = False) -> None:
        """Take an admitted exchange (shadow/admission.py): record it if asked, and start mirroring it
        unless the mirror is stopping, the target is known to be down or an in-flight cap is reached.

        The shadow sidecar calls this for the exchanges a proxy worker handed over.
        """
        if record and self._recorder is not None:
            self._recorder.add(route, request, primary)
        if not mirror:
            return None
        reverse = request.mirror_to == MONOLITH
        source = REVERSE if reverse else SHADOW
        if self._stopping:
            return self._not_sent(route.id, "dropped", "dropped.shutdown", source)
        backend = MONOLITH if reverse else route.backend or ""
        if self._circuits_open(backend):
            # The target is known to be down: count it without spending a task on it.
            return self._not_sent(route.id, "failed", "errors.unavailable", source)
        policy = route.shadow or _NO_POLICY
        if not self._inflight.try_acquire(route.id, policy.concurrency):
            return self._not_sent(route.id, "dropped", "dropped.overload", source)
        safe = request.method in SAFE_METHODS
        probe = safe and self._sampler.chosen(_pick(policy.noise_percent, self.settings.noise_percent))
        job = _Job(route, request, primary, probe, not safe, backend, source)
        task = asyncio.get_running_loop().create_task(self._exchange(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def add_counts(self, counts: Mapping[tuple[str, str, str], int]) -> None:
        """Add counters kept elsewhere (a proxy worker's refusals), {(route, counter, source): n}, to the next
        results batch."""
        with self._lock:
            for (route, counter, source), n in counts.items():
                self._batch.count(route, counter, n, source=source)

    def _not_sent(self, route: str, outcome: str, counter: str, source: str = SHADOW) -> None:
        self._metrics.outcome(route, outcome)
        with self._lock:
            self._batch.count(route, counter, source=source)

    def _circuits_open(self, backend: str) -> bool:
        instances = [i for i in getattr(self._upstream, "instances", ()) if i.backend == backend]
        return bool(instances) and all(i.circuit.state == OPEN for i in instances)

    def _is_dry_run(self, backend: str) -> bool:
        spec_of = getattr(self._upstream, "backend_spec", None)
        spec = spec_of(backend) if spec_of is not None else None
        return bool(spec is not None and spec.dry_run)

    # --- off the request path -----------------------------------------------------------------

    async def _exchange(self, job: _Job) -> None:
        route = job.route
        try:
            policy = route.shadow or _NO_POLICY
            timeout = policy.timeout or self.settings.timeout
            if job.probe:
                # Both at once: the probe must not add its time to the extracted side's.
                sends = [asyncio.ensure_future(self._send(job.target, job.request, job.dry_run)),
                         asyncio.ensure_future(self._send(MONOLITH, job.request, False))]
                _, pending = await asyncio.wait(sends, timeout=timeout)
                for task in pending:
                    task.cancel()
                await asyncio.gather(*sends, return_exceptions=True)
                candidate, probe = _answer_of(sends[0]), _answer_of(sends[1])
            else:
                candidate, probe = await self._send_alone(job.target, job, timeout), None
            if isinstance(candidate, str):
                self._failed(route.id, candidate, job.source)
                return
            primary = Answer(job.primary.status, job.primary.headers, job.primary.body or b"", job.primary.elapsed)
            size = len(primary.body) + len(candidate.body) + (len(probe.body) if isinstance(probe, Answer) else 0)
            if size <= _INLINE_COMPARE_BYTES:
                result = self._compare(job, primary, candidate, probe)
            else:
                loop = asyncio.get_running_loop()
                result = await loop.run_in_executor(self._pool(), self._compare, job, primary, candidate, probe)
            self._metrics.outcome(route.id, "sent")
            self._metrics.compared(route.id, result)
        except asyncio.CancelledError:
            with self._lock:
                self._batch.count(route.id, "dropped.shutdown", source=job.source)
            raise
        except Exception:
            _log.exception("shadow exchange failed for %s %s", job.request.method, job.request.path_qs)
            self._metrics.outcome(route.id, "error")
            with self._lock:
                self._batch.count(route.id, "errors.internal", source=job.source)
        finally:
            self._inflight.release(route.id)

    async def _send_alone(self, backend: str, job: _Job, timeout: float) -> Answer | str:
        """Send to one side only, without a task of its own (the common case, and the cheap one)."""
        try:
            async with asyncio.timeout(timeout):
                return await self._send(backend, job.request, job.dry_run)
        except TimeoutError:
            return "timeout"
        except _NoAnswer as error:
            return error.kind

    async def _send(self, backend: str, request: MirroredRequest, dry_run: bool) -> Answer:
        headers = CIMultiDict(request.headers)
        headers[SHADOW_HEADER] = "1"
        if dry_run:
            headers[DRY_RUN_HEADER] = "1"
        started = time.perf_counter()
        try:
            response = await self._upstream.send(backend, OutboundRequest(request.method, request.path_qs, headers,
                                                                          request.body))
        except UpstreamTimeout:
            raise _NoAnswer("timeout") from None
        except BackendUnavailable:
            raise _NoAnswer("unavailable") from None
        except UpstreamError:
            raise _NoAnswer("unreachable") from None
        # A small body may already have been read whole by the upstream pool.
        body = bytearray(getattr(response, "body", None) or b"")
        if len(body) > self._body_limit:
            response.close()
            raise _NoAnswer("too_large")
        try:
            if getattr(response, "body", None) is None:
                async for chunk in response.iter_chunks():
                    body += chunk
                    if len(body) > self._body_limit:
                        raise _NoAnswer("too_large")
        except (UpstreamError, aiohttp.ClientError, asyncio.TimeoutError):
            response.close()
            raise _NoAnswer("unreachable") from None
        except BaseException:
            response.close()
            raise
        response.release()
        return Answer(response.status, tuple(response.headers.items()), bytes(body), time.perf_counter() - started)

    def _failed(self, route: str, kind: str, source: str) -> None:
        outcome, counter = ("skipped", "skipped.candidate_too_large") if kind == "too_large" else (
            "failed", f"errors.{kind}")
        self._metrics.outcome(route, outcome)
        with self._lock:
            self._batch.count(route, counter, source=source)

    def _compare(self, job: _Job, primary: Answer, candidate: Answer, probe: Answer | str | None) -> str:
        """Compare and count (inline or in the compare thread); return matched, mismatched or noise."""
        route = job.route
        rules = (route.shadow or _NO_POLICY).rules
        source = job.source
        reverse = source == REVERSE
        compared = compare_exchange(primary, candidate, probe if isinstance(probe, Answer) else None, rules,
                                    reverse=reverse)
        comparison = compared.comparison
        signature = None
        sample = None
        sides = (("extracted", primary), ("monolith", candidate)) if reverse else (
            ("monolith", primary), ("extracted", candidate))
        with self._lock:
            batch = self._batch
            if compared.probe is not None:
                batch.noise_probe(route.id, compared.probe, source=source)
            elif isinstance(probe, str):
                batch.count(route.id, f"probe_errors.{probe}", source=source)
            signature = batch.compared(route.id, comparison, source=source)
            seen = (route.id, source, signature)
            wanted = not comparison.matched and self._sampled[seen] < self.settings.samples_per_signature
            if wanted:
                self._sampled[seen] += 1
            for side, answer in sides:
                if answer.elapsed is not None:
                    batch.latency_bucket(route.id, side, bucket_of(answer.elapsed), source=source)
        for side, answer in sides:
            if answer.elapsed is not None:
                self._metrics.took(route.id, side, answer.elapsed)
        if wanted:
            request = job.request
            sample = make_sample(route=route.id, signature=signature, method=request.method, path_qs=request.path_qs,
                                 request_id=request.request_id, request_headers=request.headers, primary=primary,
                                 candidate=candidate, comparison=comparison,
                                 body_bytes=self.settings.sample_body_bytes, source=source)
            with self._lock:
                self._batch.samples.append(sample)
        return self._label(route.id, comparison)

    def _label(self, route: str, comparison: Comparison) -> str:
        if comparison.matched:
            return "matched"
        model = self._models.get(route)
        if model is None:
            return "mismatched"
        return "mismatched" if any(field_is_real(model, name) for name in comparison.fields()) else "noise"

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="strangler-compare")
        return self._executor

    # --- background writing --------------------------------------------------------------------

    async def start(self) -> None:
        """Start the flusher."""
        self._stopping = False
        self._flusher = asyncio.create_task(self._flush_forever(), name="strangler-shadow-flusher")

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.flush_seconds)
            await self.flush()

    async def flush(self) -> None:
        """Write the batch gathered so far to the results store, and refresh the noise models."""
        with self._lock:
            batch, self._batch = self._batch, ResultsBatch()
            self._sampled.clear()
        if batch:
            try:
                await asyncio.to_thread(self.results.apply, batch)
            except StranglerError as error:
                _log.error("cannot write shadow results, keeping them for the next try: %s", error)
                with self._lock:
                    batch.merge(self._batch)
                    self._batch = batch
                return
            await self._refresh_models(batch.routes())
        if self._recorder is not None:
            try:
                await self._recorder.flush()
            except Exception:
                _log.exception("cannot write HAR recordings")

    async def _refresh_models(self, routes: set[str]) -> None:
        for route in routes:
            try:
                data = await asyncio.to_thread(self.results.route_data, route)
                self._models[route] = data.noise_model()
            except Exception as error:  # only the metrics' labels depend on it
                _log.warning("cannot read the noise model of %s: %s", route, error)

    async def drain(self) -> None:
        """Wait for every exchange in flight, then write everything (for tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await self.flush()

    async def stop(self) -> None:
        """Drop what is in flight (counted), write what was gathered, release the results store."""
        self._stopping = True
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
            self._flusher = None
        await self.flush()
        if self._recorder is not None:
            with contextlib.suppress(Exception):
                await self._recorder.flush(final=True)
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        if self._owns_results:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self.results.close)


def _pick(value: float | None, default: float) -> float:
    return default if value is None else value


def _answer_of(task: asyncio.Future[Answer]) -> Answer | str:
    if task.cancelled():
        return "timeout"
    error = task.exception()
    if error is None:
        return task.result()
    if isinstance(error, _NoAnswer):
        return error.kind
    _log.error("shadow send failed: %r", error)
    return "error"
