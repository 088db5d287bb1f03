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

from strangler_proxy.config import ProxySettings
from strangler_proxy.errors import RouteRetired, UpstreamError
from strangler_proxy.forwarding.headers import client_address, request_headers, response_headers
from strangler_proxy.forwarding.upstream import OutboundRequest, Upstream, UpstreamResponse
from strangler_proxy.metrics import ProxyMetrics
from strangler_proxy.mirror import Mirror, MirroredRequest, MirroredResponse
from strangler_proxy.routing.decision import Decision, decide
from strangler_proxy.routing.model import MONOLITH, SAFE_METHODS, RouteSpec
from strangler_proxy.routing.overrides import OVERRIDE_COOKIE, OVERRIDE_HEADER, Override, override_read
from strangler_proxy.routing.paths import Target
from strangler_proxy.routing.user_key import STICKY_COOKIE, UserKey, UserKeyResolver
from strangler_proxy.server.access_log import RequestContext
from strangler_proxy.server.body import RequestBody
from strangler_proxy.server.request import Request
from strangler_proxy.server.state import StateHolder

__all__ = ["NEVER_RESEND", "Forwarder"]

NEVER_RESEND = frozenset({"POST", "PATCH", "DELETE"})


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

    async def forward(self, request: Request, target: Target, ctx: RequestContext) -> None:
        """Handle one proxied request: the answer is written to the client before this returns."""
        state = self._holder.current
        ctx.version = state.version
        method = request.method
        settings = self._settings
        ctx.client = client_address(request.headers, request.remote or "", settings.trusted_hops)
        match = state.matcher.match(method, target.segments)
        route = match.route if match is not None else None
        decision = decide(
            route, state.state_of(route) if route is not None else None,
            kill_switch=state.snapshot.kill_switch,
            user_key=lambda: self._user_key(request, ctx),
            override=lambda: self._override(request))
        ctx.route = decision.route_id
        if decision.backend is None:
            raise RouteRetired(f"route {decision.route_id!r} is retired", details={"route": decision.route_id})
        can_fallback = decision.fallback is not None and (
            method in SAFE_METHODS or (route is not None and route.idempotent))
        limit = route.body_limit if route is not None and route.body_limit is not None else settings.body_limit
        body = RequestBody(request, limit=limit)
        keep = max(settings.replay_buffer if can_fallback else 0,
                   settings.mirror_body_limit if decision.mirror else 0)
        await body.prepare(keep=keep)
        version = request.version
        headers = request_headers(request.headers, remote=request.remote or "", scheme=request.scheme,
                                  trusted_hops=settings.trusted_hops, request_id=ctx.request_id,
                                  http_version=f"{version.major}.{version.minor}")
        outbound = OutboundRequest(method, target.path_qs, headers, body.payload)
        ctx.backend = decision.backend
        response = await self._send(decision, route, outbound, body, can_fallback, ctx)
        await self._relay(request, response, decision, route, outbound, body, ctx)

    async def _send(self, decision: Decision, route: RouteSpec | None, outbound: OutboundRequest,
                    body: RequestBody, can_fallback: bool, ctx: RequestContext) -> UpstreamResponse:
        backend = decision.backend or MONOLITH
        try:
            response = await self._upstream.send(backend, outbound)
        except UpstreamError as error:
            if body.exceeded:
                raise body.too_large() from None
            self._metrics.upstream_errors.labels(backend, error.code).inc()
            ctx.error = error.cause or error.code
            resend_ok = not error.request_sent or outbound.method not in NEVER_RESEND
            if not (can_fallback and outbound.replayable and resend_ok):
                raise
            return await self._fallback(route, backend, outbound, ctx, error.code)
        except Exception:
            if body.exceeded:
                raise body.too_large() from None
            raise
        if response.status >= 500 and can_fallback and outbound.replayable \
                and outbound.method not in NEVER_RESEND:
            response.close()
            self._metrics.upstream_errors.labels(backend, "status_5xx").inc()
            return await self._fallback(route, backend, outbound, ctx, f"status_{response.status}")
        return response

    async def _fallback(self, route: RouteSpec | None, failed: str, outbound: OutboundRequest,
                        ctx: RequestContext, reason: str) -> UpstreamResponse:
        ctx.fallback = reason
        ctx.backend = MONOLITH
        self._metrics.fallbacks.labels(route.id if route else "-", failed, reason).inc()
        return await self._upstream.send(MONOLITH, outbound)

    async def _relay(self, request: Request, response: UpstreamResponse, decision: Decision,
                     route: RouteSpec | None, outbound: OutboundRequest, body: RequestBody,
                     ctx: RequestContext) -> None:
        version = request.version
        headers = response_headers(response.headers, http_version=f"{version.major}.{version.minor}")
        headers["X-Strangler-Route"] = ctx.route
        headers["X-Strangler-Backend"] = ctx.backend
        headers["X-Strangler-Table-Version"] = str(ctx.version)
        headers["X-Request-ID"] = ctx.request_id
        if ctx.fallback:
            headers["X-Strangler-Fallback"] = ctx.fallback
        user_key = decision.user_key
        if user_key is not None and user_key.set_cookie is not None:
            secure = outbound.headers.get("X-Forwarded-Proto") == "https"
            headers.add("Set-Cookie", user_key.cookie_header(secure=secure) or "")
        status = response.status
        ctx.status = status
        answer = response.body
        if answer is not None:
            response.release()
            request.send(status, headers, answer, reason=response.reason)
            if decision.mirror is not None:
                limit = self._settings.mirror_body_limit
                self._submit_mirror(decision, route, outbound, body, ctx, status, response,
                                    answer if len(answer) <= limit else None, len(answer) > limit)
            return
        bodyless = request.method == "HEAD" or status in (204, 304) or status < 200
        capture_limit = self._settings.mirror_body_limit
        captured: bytearray | None = bytearray() if decision.mirror else None
        truncated = False
        try:
            request.start(status, headers, length=None if bodyless else response.content_length,
                          reason=response.reason)
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
            MirroredRequest(ctx.request_id, outbound.method, outbound.path_qs, tuple(outbound.headers.items()),
                            body.captured, body_truncated=body.captured is None),
            MirroredResponse(status, tuple(response.headers.items()), answer, body_truncated=truncated,
                             elapsed=time.perf_counter() - ctx.started))

    def _user_key(self, request: Request, ctx: RequestContext) -> UserKey:
        cookie = request.cookies.get(STICKY_COOKIE) if "Cookie" in request.headers else None
        return self._identity.resolve(authorization=request.headers.get("Authorization"), cookie=cookie,
                                      client=ctx.client)

    def _override(self, request: Request) -> Override | None:
        if self._settings.admin_token is None:
            return None  # without an admin secret nobody can sign an override
        token = request.headers.get(OVERRIDE_HEADER)
        if token is None and "Cookie" in request.headers:
            token = request.cookies.get(OVERRIDE_COOKIE)
        if not token:
            return None
        return override_read(token, secret=self._settings.signing_secret)

