"""The data plane: route one request, send it upstream, fall back when allowed, stream the answer back.

Fallback rules: only when the extracted backend was chosen, the method is safe (GET, HEAD,
OPTIONS) or the route is marked idempotent, and the body is in memory. A POST, PATCH or
DELETE is re-sent only if it never reached the extracted backend (connection refused,
circuit open); a 5xx or a timeout means it may have, so the error goes to the client.

Answers keep the backend's status, headers (minus hop-by-hop ones) and bytes. The server
connection adds `Date` and, for a body without one, `Content-Type: application/octet-stream`
(RFC 9110 section 8.3) when the backend left them out.
"""
from __future__ import annotations

import time

import cython
from aiohttp.http import HttpVersion10, HttpVersion11

from strangler_proxy.config import ProxySettings
from strangler_proxy.errors import RouteRetired, UpstreamError
from strangler_proxy.forwarding.headers import (HeadLines, client_address, proxy_request_head, proxy_response_head,
                                                raw_headers)
from strangler_proxy.forwarding.upstream import OutboundRequest, Upstream, UpstreamResponse
from strangler_proxy.metrics import ProxyMetrics
from strangler_proxy.mirror import Mirror, MirroredRequest, MirroredResponse, request_headers
from strangler_proxy.mirror import answer_headers as mirrored_answer_headers
from strangler_proxy.routing.decision import Decision, decide
from strangler_proxy.routing.model import MONOLITH, SAFE_METHODS, RouteSpec
from strangler_proxy.routing.overrides import OVERRIDE_COOKIE, OVERRIDE_HEADER, Override, override_read
from strangler_proxy.routing.paths import Target
from strangler_proxy.routing.user_key import STICKY_COOKIE, UserKey, UserKeyResolver
from strangler_proxy.server.access_log import RequestContext
from strangler_proxy.server.body import NO_REQUEST_BODY, RequestBody
from strangler_proxy.server.request import Request, cookie_values
from strangler_proxy.server.state import RoutingState, StateHolder

__all__ = ["NEVER_RESEND", "Forwarder"]

NEVER_RESEND = frozenset({"POST", "PATCH", "DELETE"})
_VERSION_TEXT = {HttpVersion11: "1.1", HttpVersion10: "1.0"}
# Answer headers the proxy sets itself; a backend's copies are dropped.
_REPLACED = frozenset({b"x-strangler-route", b"x-strangler-backend", b"x-strangler-table-version", b"x-request-id"})
_REPLACED_WITH_FALLBACK = _REPLACED | {b"x-strangler-fallback"}
_OVERRIDE_HEADER = OVERRIDE_HEADER.lower().encode()
_DECISION_CACHE = 4096
_ANSWER_HEADS = 1024


class Forwarder:
    """Forward requests according to the current routing state."""

    def __init__(self, *, holder: StateHolder, upstream: Upstream, mirror: Mirror, metrics: ProxyMetrics,
                 settings: ProxySettings) -> None:
        self._holder = holder
        self._upstream = upstream
        self._mirror = mirror
        self._metrics = metrics
        self._settings = settings
        self._identity = UserKeyResolver(jwt_secret=settings.jwt_secret, jwt_issuer=settings.jwt_issuer,
                                         cookie_secret=settings.signing_secret)
        # Decisions that depend only on the routing state (no override, no canary user),
        # remembered per route for the RoutingState they were made in.
        self._decided_in: RoutingState | None = None
        self._decisions: dict[str | None, Decision] = {}
        # Answer heads made (see _answer_headers), bounded: a head can be a few kilobytes.
        self._answer_heads: dict[tuple, HeadLines] = {}

    @cython.locals(request=Request, ctx=RequestContext, outbound=OutboundRequest)
    async def forward(self, request: Request, target: Target, ctx: RequestContext) -> None:
        """Handle one proxied request: the answer is written to the client before this returns."""
        state = self._holder.current
        ctx.version = state.version
        method = request.method
        settings = self._settings
        hops = settings.trusted_hops
        remote = request.remote
        ctx.client = remote if hops <= 0 else client_address(request.headers, remote, hops)
        match = state.matcher.match(method, target.segments)
        route = match.route if match is not None else None
        decision = self._decide(request, ctx, state, route)
        ctx.route = decision.route_id
        backend = decision.backend
        if backend is None:
            raise RouteRetired(f"route {decision.route_id!r} is retired", details={"route": decision.route_id})
        can_fallback = decision.fallback is not None and (
            method in SAFE_METHODS or (route is not None and route.idempotent))
        if request.body_exists:
            limit = route.body_limit if route is not None and route.body_limit is not None else settings.body_limit
            body = RequestBody(request, limit=limit)
            keep = max(settings.replay_buffer if can_fallback else 0,
                       settings.mirror_body_limit if decision.mirror else 0)
            await body.prepare(keep=keep)
        else:
            body = NO_REQUEST_BODY
        version = request.version
        http_version = _VERSION_TEXT.get(version) or f"{version.major}.{version.minor}"
        head, proto = proxy_request_head(
            request.raw_headers, remote=remote, scheme=request.scheme, trusted_hops=hops,
            request_id=ctx.request_id, http_version=http_version)
        outbound = OutboundRequest(method, target.path_qs, body=body.payload, head=head)
        ctx.backend = backend
        try:
            response = await self._upstream.send(backend, outbound)
        except Exception as error:
            response = await self._recover(error, route, backend, outbound, body, can_fallback, ctx)
        else:
            if response.status >= 500 and can_fallback and outbound.replayable \
                    and method not in NEVER_RESEND:
                response.close()
                self._metrics.upstream_errors.labels(backend, "status_5xx").inc()
                response = await self._fallback(route, backend, outbound, ctx, f"status_{response.status}")
        status = response.status
        ctx.status = status
        answer_headers = self._answer_headers(response, decision, ctx, http_version, proto == "https")
        answer = response.body
        if answer is not None:
            # Small answers were read whole by the upstream pool: one write, no streaming.
            response.release()
            request.send(status, answer_headers, answer, response.reason)
            if decision.mirror is not None:
                limit = settings.mirror_body_limit
                self._submit_mirror(decision, route, outbound, body, ctx, status, response,
                                    answer if len(answer) <= limit else None, len(answer) > limit)
            return
        await self._stream(request, response, answer_headers, decision, route, outbound, body, ctx)

    def _decide(self, request: Request, ctx: RequestContext, state: RoutingState,
                route: RouteSpec | None) -> Decision:
        override = self._override(request)
        if override is None:
            if state is not self._decided_in:
                self._decided_in = state
                self._decisions = {}
            route_id = route.id if route is not None else None
            decision = self._decisions.get(route_id)
            if decision is not None:
                return decision
        decision = decide(
            route, state.state_of(route) if route is not None else None,
            kill_switch=state.snapshot.kill_switch,
            user_key=lambda: self._user_key(request, ctx),
            override=lambda: override)
        # A canary decision is the user's own (it carries the user key); the others hold for
        # every request without an override until the routing state changes.
        if override is None and decision.user_key is None and len(self._decisions) < _DECISION_CACHE:
            self._decisions[route_id] = decision
        return decision

    async def _recover(self, error: Exception, route: RouteSpec | None, backend: str, outbound: OutboundRequest,
                       body: RequestBody, can_fallback: bool, ctx: RequestContext) -> UpstreamResponse:
        """Fall back to the monolith after a failed send when that is allowed, else re-raise."""
        if body.exceeded:
            raise body.too_large() from None
        if not isinstance(error, UpstreamError):
            raise error
        self._metrics.upstream_errors.labels(backend, error.code).inc()
        ctx.error = error.cause or error.code
        resend_ok = not error.request_sent or outbound.method not in NEVER_RESEND
        if not (can_fallback and outbound.replayable and resend_ok):
            raise error
        return await self._fallback(route, backend, outbound, ctx, error.code)

    async def _fallback(self, route: RouteSpec | None, failed: str, outbound: OutboundRequest,
                        ctx: RequestContext, reason: str) -> UpstreamResponse:
        ctx.fallback = reason
        ctx.backend = MONOLITH
        self._metrics.fallbacks.labels(route.id if route else "-", failed, reason).inc()
        return await self._upstream.send(MONOLITH, outbound)

    def _answer_headers(self, response: UpstreamResponse, decision: Decision, ctx: RequestContext, http_version: str,
                        secure: bool) -> HeadLines:
        """Return the answer's head for the client: the backend's headers, then the proxy's own lines."""
        raw = getattr(response, "raw_headers", None)
        if raw is None:
            raw = raw_headers(response.headers.items())
        # The head is the same for the same backend headers, route, backend, table version and
        # fallback: made once, then only the request id (and a sticky cookie) is added.
        head_key = getattr(response, "head_key", None)
        key = (tuple(raw) if head_key is None else head_key, ctx.route, ctx.backend, ctx.version, ctx.fallback,
               http_version)
        head = self._answer_heads.get(key)
        if head is None:
            if len(self._answer_heads) >= _ANSWER_HEADS:
                self._answer_heads.clear()  # a crude bound: the heads in use come back at once
            own = b"X-Strangler-Route: %s\r\nX-Strangler-Backend: %s\r\nX-Strangler-Table-Version: %d\r\n" % (
                ctx.route.encode(), ctx.backend.encode(), ctx.version or 0)
            if ctx.fallback:
                own += b"X-Strangler-Fallback: " + ctx.fallback.encode() + b"\r\n"
            head = self._answer_heads[key] = proxy_response_head(
                raw, http_version=http_version, extra=own, replaced=_REPLACED_WITH_FALLBACK if ctx.fallback else _REPLACED)
        request_id = b"X-Request-ID: " + ctx.request_id.encode() + b"\r\n"
        user_key = decision.user_key
        if user_key is not None and user_key.set_cookie is not None:
            request_id += b"Set-Cookie: " + (user_key.cookie_header(secure=secure) or "").encode() + b"\r\n"
        return HeadLines(head.lines + request_id, head.length, head.has_date, head.has_type)

    async def _stream(self, request: Request, response: UpstreamResponse, headers: HeadLines, decision: Decision,
                      route: RouteSpec | None, outbound: OutboundRequest, body: RequestBody,
                      ctx: RequestContext) -> None:
        status = response.status
        bodyless = request.method == "HEAD" or status in (204, 304) or status < 200
        capture_limit = self._settings.mirror_body_limit
        captured: bytearray | None = bytearray() if decision.mirror else None
        truncated = False
        try:
            request.start(status, headers, None if bodyless else response.content_length, response.reason)
            if not bodyless:
                async for chunk in response.iter_chunks():
                    if captured is not None and not truncated:
                        if len(captured) + len(chunk) <= capture_limit:
                            captured += chunk
                        else:
                            truncated = True
                    await request.write(chunk)
            request.finish()
        except ConnectionError:
            # The client went away; the connection is already closed.
            response.close()
            ctx.error = "client disconnected"
            return
        except UpstreamError as error:
            # The answer has started: cut the connection so the client sees a truncated
            # response, never a complete-looking one (a chunked body must not be terminated).
            response.close()
            ctx.error = f"upstream failed mid-body: {error.code}"
            request.abort()
            return
        except BaseException:
            response.close()
            raise
        response.release()
        self._submit_mirror(decision, route, outbound, body, ctx, status, response,
                            None if truncated else bytes(captured or b""), truncated)

    def _submit_mirror(self, decision: Decision, route: RouteSpec | None, outbound: OutboundRequest,
                       body: RequestBody, ctx: RequestContext, status: int, response: UpstreamResponse,
                       answer: bytes | None, truncated: bool) -> None:
        """Hand a shadowed exchange to the mirror hook (fire and forget)."""
        if decision.mirror is None or route is None:
            return
        self._mirror.submit(
            route,
            MirroredRequest(ctx.request_id, outbound.method, outbound.path_qs, request_headers(outbound),
                            body.captured, body_truncated=body.captured is None, mirror_to=decision.mirror),
            MirroredResponse(status, mirrored_answer_headers(response), answer, body_truncated=truncated,
                             elapsed=time.perf_counter() - ctx.started, backend=ctx.backend))

    def _user_key(self, request: Request, ctx: RequestContext) -> UserKey:
        cookie = request.cookies.get(STICKY_COOKIE)
        return self._identity.resolve(authorization=request.header(b"authorization"), cookie=cookie,
                                      client=ctx.client)

    def _override(self, request: Request) -> Override | None:
        if self._settings.admin_token is None:
            return None  # without an admin secret nobody can sign an override
        token = cookie = None
        for _, lname, value in request.raw_headers:
            if lname == _OVERRIDE_HEADER:
                if token is None:
                    token = value.decode("latin-1")
            elif lname == b"cookie" and cookie is None:
                cookie = value.decode("latin-1")
        if token is None and cookie is not None:
            token = cookie_values(cookie).get(OVERRIDE_COOKIE)
        if not token:
            return None
        return override_read(token, secret=self._settings.signing_secret)

