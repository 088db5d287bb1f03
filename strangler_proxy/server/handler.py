"""The one entry point for every request: canonical path, then the reserved paths or the data plane.

Every answer the proxy makes itself is JSON; every request gets one access-log line and is
counted in the metrics; no exception reaches the client as a traceback. The reserved paths
(admin API, dashboard, /metrics) answer with aiohttp `web.Response` objects, written here.
"""
from __future__ import annotations

import asyncio
import logging
import time

import cython
from aiohttp import web

from strangler_proxy.admin.api import AdminApi
from strangler_proxy.dashboard import Dashboard
from strangler_proxy.errors import NotFound, ProxyError
from strangler_proxy.forwarding.headers import head_lines, raw_headers, request_id_from
from strangler_proxy.metrics import ProxyMetrics
from strangler_proxy.routing.paths import Target, canonical_target
from strangler_proxy.server.access_log import AccessLog, RequestContext
from strangler_proxy.server.body import continue_if_expected
from strangler_proxy.server.forward import Forwarder
from strangler_proxy.server.request import Request
from strangler_proxy.server.responses import json_response, proxy_error_body
from strangler_proxy.server.state import StateHolder

__all__ = ["RESERVED_ROUTE", "ProxyHandler"]

RESERVED_ROUTE = "_strangler"
_log = logging.getLogger("strangler.proxy")
# Canonical targets remembered per raw target; most traffic repeats a few thousand paths.
_TARGET_CACHE = 4096
_CACHED_TARGET_LENGTH = 512


class _InternalError(ProxyError):
    status, code = 500, "internal_error"


class ProxyHandler:
    """Dispatch requests to the admin API, the metrics or the forwarder; log and count each."""

    def __init__(self, *, holder: StateHolder, forwarder: Forwarder, admin: AdminApi, metrics: ProxyMetrics,
                 access_log: AccessLog, dashboard: Dashboard | None = None) -> None:
        self._holder = holder
        self._dashboard = dashboard
        self._forwarder = forwarder
        self._admin = admin
        self._metrics = metrics
        self._access_log = access_log
        self._targets: dict[str, Target] = {}
        self._in_flight = 0

    @cython.locals(request=Request, ctx=RequestContext)
    async def handle(self, request: Request) -> None:
        """Answer one request."""
        ctx = RequestContext(request_id_from(request.request_id), request.method, time.perf_counter())
        self._in_flight += 1
        try:
            raw_path = request.raw_path
            target = self._targets.get(raw_path)
            if target is None:
                target = canonical_target(raw_path)
                if len(raw_path) <= _CACHED_TARGET_LENGTH:
                    if len(self._targets) >= _TARGET_CACHE:
                        self._targets.clear()  # a crude bound: hot paths come back at once
                    self._targets[raw_path] = target
            ctx.path = target.path
            first = target.segments[0]
            if first == RESERVED_ROUTE or (first == "metrics" and len(target.segments) == 1):
                ctx.route = RESERVED_ROUTE
                if request.body_exists:
                    continue_if_expected(request)
                response = await self._reserved(request, target)
                response.headers["X-Request-ID"] = ctx.request_id
                request.send(response.status, head_lines(raw_headers(response.headers.items())),
                             response.body or b"", response.reason)  # type: ignore[arg-type]
            else:
                await self._forwarder.forward(request, target, ctx)
        except ProxyError as error:
            self._error(request, error, ctx)
        except asyncio.CancelledError:
            ctx.status, ctx.error = 499, "client disconnected"
            raise
        except Exception as error:  # never a traceback to the client
            _log.exception("unexpected error handling %s %s (request %s)", request.method,
                           ctx.path or "?", ctx.request_id)
            ctx.error = type(error).__name__
            self._error(request, _InternalError("the proxy failed to handle the request"), ctx)
        finally:
            seconds = time.perf_counter() - ctx.started
            if not ctx.status:
                ctx.status = request.status
            metrics = self._metrics
            metrics.observe(ctx.route, ctx.backend, ctx.status, seconds)
            self._in_flight -= 1
            if not self._in_flight:
                # A quiet moment: publish the totals now, so that other workers (and the
                # dashboard) see them at once; under load the periodic flush does it.
                metrics.flush()
            access_log = self._access_log
            if access_log.enabled:
                access_log.record(ctx, seconds, request.sent_bytes if request.started else None)

    def _error(self, request: Request, error: ProxyError, ctx: RequestContext) -> None:
        ctx.status = error.status
        ctx.error = ctx.error or error.code
        if request.started:
            request.abort()  # the answer had begun: cutting it is the only honest signal left
            return
        version = ctx.version if ctx.version is not None else self._holder.current.version
        headers = [("Content-Type", "application/json"), ("X-Request-ID", ctx.request_id),
                   ("X-Strangler-Route", ctx.route), ("X-Strangler-Backend", ctx.backend),
                   ("X-Strangler-Table-Version", str(version))]
        if error.status == 413:
            request.force_close()  # the rest of the body is not wanted
        elif error.status == 401:
            headers.append(("WWW-Authenticate", 'Bearer realm="strangler"'))
        request.send(error.status, head_lines(raw_headers(headers)), proxy_error_body(error))

    async def _reserved(self, request: Request, target: Target) -> web.Response:
        segments = target.segments
        if segments == ("metrics",):
            # Off the loop: in multiprocess mode this reads every worker's metric files.
            body, content_type = await asyncio.to_thread(self._metrics.render)
            return web.Response(body=body, headers={"Content-Type": content_type})
        if segments[:2] == ("_strangler", "api"):
            return await self._admin.handle(request, target)  # type: ignore[arg-type]
        if segments in (("_strangler", "healthz"), ("_strangler", "healthz", "")):
            current = self._holder.current
            return json_response({"status": "ok", "table_version": current.version,
                                  "kill_switch": current.snapshot.kill_switch})
        if self._dashboard is not None:
            page = await self._dashboard.handle(request, target)  # type: ignore[arg-type]
            if page is not None:
                return page
        raise NotFound("nothing here yet: /_strangler/ is reserved for the proxy", details={"path": target.path})
