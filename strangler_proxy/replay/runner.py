"""Send recorded or listed requests to both sides, compare with the route's rules, and judge the run.

Each request of the route goes to the monolith and to the extracted backend at the same
time and, for a safe request (by default every one), to the monolith a second time: the
noise probe, so a replay learns its own noise and needs nothing from the live shadow.
At most `concurrency` requests are in flight. Unsafe requests are skipped unless asked
for; the extracted side then gets `X-Strangler-Dry-Run: 1` if its backend is marked dry-run.

Both sides get the same Host header, so host checks (Django's ALLOWED_HOSTS) and absolute
URLs in bodies compare alike: the request's own (a HAR entry's, a request file's), else
`ReplayOptions.host`, else the monolith URL's host.

A request one side does not answer counts against the run like a mismatch: the run fails
when (mismatched + no answer) / (compared + no answer) is above the threshold, or when
nothing was compared at all.

The run's results are also a `ResultsBatch` of the `replay` source, with an example of each
distinct set of differing fields: `strangler replay` adds it to the results store the gate
reads (unless told not to).
"""
from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Sequence
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp
from yarl import URL

from strangler_proxy.diff import CompareRules, Comparison
from strangler_proxy.errors import BadPath
from strangler_proxy.replay.errors import ReplayTargetError
from strangler_proxy.replay.model import ReplayRequest
from strangler_proxy.routing.matching import Matcher
from strangler_proxy.routing.model import MONOLITH, SAFE_METHODS, RouteSpec, RouteTable
from strangler_proxy.routing.paths import canonical_target
from strangler_proxy.shadow.exchange import Answer, compare_exchange, make_sample
from strangler_proxy.shadow.redact import REDACTED
from strangler_proxy.shadow.results.latency import bucket_of
from strangler_proxy.shadow.results.memory import MemoryResults
from strangler_proxy.shadow.results.model import REPLAY, ResultsBatch, RouteResults, field_is_real, summarise
from strangler_proxy.shadow.sampling import Sampler

__all__ = ["CaseResult", "ReplayOptions", "ReplayReport", "ReplayTarget", "replay", "replay_target"]

REPLAY_HEADER = "X-Strangler-Replay"
_DRY_RUN_HEADER = "X-Strangler-Dry-Run"
_HOP_BY_HOP = frozenset({"host", "content-length", "transfer-encoding", "connection", "keep-alive", "te",
                         "trailer", "upgrade", "proxy-connection", "expect"})


@dataclass(frozen=True)
class ReplayOptions:
    """How to replay: concurrency, noise probes, unsafe methods, timeout, headers to add, threshold,
    the Host of requests that do not name one, and the examples kept of each set of differing fields."""

    concurrency: int = 8
    noise_percent: float = 100.0
    include_unsafe: bool = False
    timeout: float = 30.0
    headers: Sequence[tuple[str, str]] = ()
    max_mismatch_percent: float = 0.1
    body_limit: int = 10 * 1024 * 1024
    host: str | None = None
    samples_per_signature: int = 3
    sample_body_bytes: int = 16 * 1024


@dataclass(frozen=True)
class ReplayTarget:
    """The route replayed, the base URLs of its two sides and the Host both get by default (the monolith's)."""

    route: RouteSpec
    monolith: str
    extracted: str
    dry_run: bool = False
    host: str = ""


@dataclass
class CaseResult:
    """What became of one request: matched, mismatched, noise, error or skipped."""

    index: int
    request: ReplayRequest
    outcome: str = "skipped"
    reason: str = ""
    comparison: Comparison | None = None
    seconds: float = 0.0
    real_fields: list[str] = field(default_factory=list)


@dataclass
class ReplayReport:
    """The run: every case, the route's results (same shape as the live shadow's) and the verdict;
    `batch` holds them as the `replay` source, ready for a results store."""

    route: str
    cases: list[CaseResult]
    results: RouteResults
    max_mismatch_percent: float
    seconds: float
    batch: ResultsBatch = field(default_factory=ResultsBatch)

    @property
    def errors(self) -> int:
        """Return the requests a side did not answer."""
        return sum(1 for c in self.cases if c.outcome == "error")

    @property
    def skipped(self) -> int:
        """Return the requests not sent (another route, unsafe method)."""
        return sum(1 for c in self.cases if c.outcome == "skipped")

    @property
    def failure_percent(self) -> float:
        """Return (mismatched + no answer) per 100 of (compared + no answer)."""
        judged = self.results.compared + self.errors
        return 100.0 * (self.results.mismatched + self.errors) / judged if judged else 0.0

    @property
    def passed(self) -> bool:
        """Whether the run stays at or under the threshold, with something compared."""
        return self.results.compared > 0 and self.failure_percent <= self.max_mismatch_percent

    def verdict(self) -> str:
        """Say in one line how the run went."""
        r = self.results
        numbers = (f"{r.compared} compared: {r.matched} matched, {r.mismatched} mismatched, {r.noise} noise only; "
                   f"{self.errors} without an answer, {self.skipped} skipped; failure rate "
                   f"{self.failure_percent:.3g}% (at most {self.max_mismatch_percent:g}%)")
        if r.compared == 0:
            return f"FAIL {self.route}: nothing was compared; {numbers}"
        return f"{'PASS' if self.passed else 'FAIL'} {self.route}: {numbers}"


def replay_target(table: RouteTable, route_id: str, *, monolith: str | None = None,
                  extracted: str | None = None) -> ReplayTarget:
    """Return the route and its two base URLs (the table's first instance unless given)."""
    route = table.route(route_id)
    if route is None:
        known = ", ".join(r.id for r in table.routes if r.backend) or "none"
        raise ReplayTargetError(f"unknown route {route_id!r} (routes with an extracted backend: {known})")
    if route.backend is None and extracted is None:
        raise ReplayTargetError(f"route {route_id!r} has no extracted backend in {table.source}; "
                                f"name one with --extracted URL")
    backend = table.backends.get(route.backend) if route.backend else None
    monolith_url = monolith or table.backends[MONOLITH].urls[0]
    extracted_url = extracted or (backend.urls[0] if backend else "")
    monolith_url = monolith_url.rstrip("/")
    return ReplayTarget(route, monolith_url, extracted_url.rstrip("/"), dry_run=bool(backend and backend.dry_run),
                        host=urlsplit(monolith_url).netloc)


def replay(requests: Sequence[ReplayRequest], target: ReplayTarget, options: ReplayOptions = ReplayOptions(), *,
           progress: Callable[[int], None] | None = None, rng: Callable[[], float] = random.random) -> ReplayReport:
    """Replay the requests (blocking); `progress(n)` is told each time n more requests finished."""
    return asyncio.run(_replay(requests, target, options, progress, rng))


async def _replay(requests: Sequence[ReplayRequest], target: ReplayTarget, options: ReplayOptions,
                  progress: Callable[[int], None] | None, rng: Callable[[], float]) -> ReplayReport:
    started = time.perf_counter()
    route = target.route
    matcher = Matcher([route])
    sampler = Sampler(rng)
    cases = [CaseResult(index, request) for index, request in enumerate(requests)]
    queue: asyncio.Queue[CaseResult] = asyncio.Queue()
    for case in cases:
        reason = _skip_reason(case.request, route, matcher, options)
        if reason:
            case.reason = reason
            if progress:
                progress(1)
        else:
            queue.put_nowait(case)
    batch = ResultsBatch()
    sampled: Counter[str] = Counter()
    timeout = aiohttp.ClientTimeout(total=options.timeout)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar(), timeout=timeout,
                                     connector=aiohttp.TCPConnector(limit=0)) as session:

        async def worker() -> None:
            while not queue.empty():
                case = queue.get_nowait()
                probe = case.request.method in SAFE_METHODS and sampler.chosen(options.noise_percent)
                await _run_case(session, case, target, options, batch, sampled, probe)
                if progress:
                    progress(1)

        await asyncio.gather(*(worker() for _ in range(max(1, options.concurrency))))
    store = MemoryResults(keep_samples=0)
    store.apply(batch)
    data = store.route_data(route.id)
    results = summarise(data)
    model = data.noise_model()
    for case in cases:
        if case.comparison is None:
            continue
        case.real_fields = sorted(name for name in case.comparison.fields() if field_is_real(model, name))
        case.outcome = "matched" if case.comparison.matched else "mismatched" if case.real_fields else "noise"
    return ReplayReport(route.id, cases, results, options.max_mismatch_percent, time.perf_counter() - started,
                        batch)


def _skip_reason(request: ReplayRequest, route: RouteSpec, matcher: Matcher, options: ReplayOptions) -> str:
    try:
        segments = canonical_target(request.path_qs).segments
    except BadPath:
        return "a path the proxy would refuse"
    if matcher.match(request.method, segments) is None:
        return f"not route {route.id}"
    if request.method not in SAFE_METHODS and not options.include_unsafe:
        return "unsafe method (use --include-unsafe)"
    return ""


async def _run_case(session: aiohttp.ClientSession, case: CaseResult, target: ReplayTarget,
                    options: ReplayOptions, batch: ResultsBatch, sampled: Counter[str], probe: bool) -> None:
    request = case.request
    unsafe = request.method not in SAFE_METHODS
    host = request.host or options.host or target.host
    started = time.perf_counter()
    sends = [_send(session, target.monolith, request, options, host, dry_run=False),
             _send(session, target.extracted, request, options, host, dry_run=unsafe and target.dry_run)]
    if probe:
        sends.append(_send(session, target.monolith, request, options, host, dry_run=False))
    answers = await asyncio.gather(*sends)
    case.seconds = time.perf_counter() - started
    route = target.route
    primary, candidate = answers[0], answers[1]
    second = answers[2] if probe else None
    for side, answer in (("monolith", primary), ("extracted", candidate)):
        if isinstance(answer, str):
            case.outcome, case.reason = "error", f"{side}: {answer}"
            batch.count(route.id, f"errors.{side}", source=REPLAY)
            return
    rules = route.shadow.rules if route.shadow is not None else CompareRules()
    compared = compare_exchange(primary, candidate, second if isinstance(second, Answer) else None, rules)
    comparison = case.comparison = compared.comparison
    signature = batch.compared(route.id, comparison, source=REPLAY)
    if compared.probe is not None:
        batch.noise_probe(route.id, compared.probe, source=REPLAY)
    for side, answer in (("monolith", primary), ("extracted", candidate)):
        if answer.elapsed is not None:
            batch.latency_bucket(route.id, side, bucket_of(answer.elapsed), source=REPLAY)
    if not comparison.matched and sampled[signature] < options.samples_per_signature:
        sampled[signature] += 1
        batch.samples.append(make_sample(
            route=route.id, signature=signature, method=request.method, path_qs=request.path_qs,
            request_id=request.source, request_headers=request.headers, primary=primary, candidate=candidate,
            comparison=comparison, body_bytes=options.sample_body_bytes, source=REPLAY))


async def _send(session: aiohttp.ClientSession, base: str, request: ReplayRequest, options: ReplayOptions,
                host: str, *, dry_run: bool) -> Answer | str:
    headers = [(k, v) for k, v in request.headers if k.lower() not in _HOP_BY_HOP and v != REDACTED]
    if host:
        headers.append(("Host", host))  # the same on both sides, not each base URL's own
    replaced = {name.lower() for name, _ in options.headers}
    headers = [(k, v) for k, v in headers if k.lower() not in replaced] + list(options.headers)
    headers.append((REPLAY_HEADER, "1"))
    if dry_run:
        headers.append((_DRY_RUN_HEADER, "1"))
    started = time.perf_counter()
    try:
        async with session.request(request.method, URL(base + request.path_qs, encoded=True), headers=headers,
                                   data=request.body, allow_redirects=False) as response:
            body = await response.content.read(options.body_limit + 1)
            if len(body) > options.body_limit:
                return f"answer larger than {options.body_limit} bytes"
            return Answer(response.status, tuple(response.headers.items()), body, time.perf_counter() - started)
    except asyncio.TimeoutError:
        return f"no answer within {options.timeout:g}s"
    except aiohttp.ClientError as error:
        return f"{type(error).__name__}: {error}"[:300]
