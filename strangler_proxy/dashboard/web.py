"""The dashboard's HTTP side, under the reserved prefix /_strangler/.

    GET /_strangler/                          the page (no token needed: it holds no data)
    GET /_strangler/dashboard/<asset>         dashboard.js, dashboard.css
    GET /_strangler/dashboard/api/overview    routes, modes, live figures, backends, circuits   (token)
    GET /_strangler/dashboard/api/series      ?minutes=30: per-interval chart data              (token)

Flips, the kill switch and the audit history go through the admin API (/_strangler/api/),
so the page changes nothing the CLI could not, and every change is audited the same way.
The token travels only in the Authorization header, never in a URL.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from importlib import resources
from typing import Any

from aiohttp import web

from strangler_proxy.admin.auth import bearer_token_matches
from strangler_proxy.dashboard.live import Overview
from strangler_proxy.dashboard.store.base import SampleStore
from strangler_proxy.dashboard.timeline import timeline, window_for
from strangler_proxy.errors import InvalidRequest, NotFound, ProxyError, StoreUnavailable, Unauthorized
from strangler_proxy.routing.paths import Target

__all__ = ["PAGE_PATH", "DashboardPages"]

PAGE_PATH = "/_strangler/"
_PREFIX = ("_strangler", "dashboard")
_ASSETS = {
    "dashboard.js": "application/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
}
_RECENT_SECONDS = 300
_DEFAULT_MINUTES = 30
# Everything the page needs comes from this origin; nothing may frame it.
_PAGE_HEADERS = {
    # Inline styles are allowed for one reason: the shadow diff report, fetched with the token and
    # opened from a blob: URL, inherits this policy and carries its own <style>. No inline script.
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

_DATA_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


class _MethodNotAllowed(ProxyError):
    status, code = 405, "method_not_allowed"


class _StoreDown(ProxyError):
    status, code = 503, "store_unavailable"


class DashboardPages:
    """Answer the dashboard's paths; leave every other reserved path to the caller."""

    def __init__(self, *, overview: Overview, samples: SampleStore, admin_token: str | None,
                 sample_seconds: int, retention_hours: float, clock: Callable[[], float] = time.time) -> None:
        self._overview = overview
        self._samples = samples
        self._admin_token = admin_token
        self._sample_seconds = sample_seconds
        self._max_minutes = max(1, int(retention_hours * 60))
        self._clock = clock
        package = resources.files("strangler_proxy.dashboard")
        self._page = package.joinpath("index.html").read_bytes()
        self._assets = {name: package.joinpath(name).read_bytes() for name in _ASSETS}

    def owns(self, target: Target) -> bool:
        """Whether the path is the page, or under /_strangler/dashboard/."""
        segments = target.segments
        return segments in (("_strangler",), ("_strangler", "")) or segments[:2] == _PREFIX

    async def handle(self, request: web.BaseRequest, target: Target) -> web.StreamResponse | None:
        """Answer a dashboard path (raising ProxyError for the caller to render); None if not ours."""
        if not self.owns(target):
            return None
        segments = target.segments
        if segments == ("_strangler",):
            return web.Response(status=308, headers={"Location": PAGE_PATH})
        if segments == ("_strangler", ""):
            self._allow(request, ("GET", "HEAD"))
            return web.Response(body=self._page, content_type="text/html", charset="utf-8",
                                headers=_PAGE_HEADERS)
        rest = segments[2:]
        if len(rest) == 1 and rest[0] in self._assets:
            self._allow(request, ("GET", "HEAD"))
            return web.Response(body=self._assets[rest[0]],
                                headers={"Content-Type": _ASSETS[rest[0]], **_PAGE_HEADERS})
        if len(rest) == 2 and rest[0] == "api" and rest[1] in ("overview", "series"):
            self._allow(request, ("GET",))
            self._authorize(request)
            if rest[1] == "overview":
                return web.json_response(await self._overview.build(), headers=_DATA_HEADERS)
            return web.json_response(await self._series(request), headers=_DATA_HEADERS)
        raise NotFound("no such dashboard path", details={"path": target.path})

    @staticmethod
    def _allow(request: web.BaseRequest, methods: tuple[str, ...]) -> None:
        if request.method not in methods:
            raise _MethodNotAllowed(f"use {' or '.join(methods)}", details={"allowed": list(methods)})

    def _authorize(self, request: web.BaseRequest) -> None:
        if not bearer_token_matches(request.headers.get("Authorization"), self._admin_token):
            raise Unauthorized("a valid admin bearer token is required"
                               + ("" if self._admin_token else
                                  " (STRANGLER_ADMIN_TOKEN is not set, so the dashboard data is closed)"))

    async def _series(self, request: web.BaseRequest) -> dict[str, Any]:
        raw = request.query.get("minutes", str(_DEFAULT_MINUTES))
        try:
            minutes = int(raw)
        except ValueError:
            raise InvalidRequest("'minutes' must be an integer", details={"minutes": ["not an integer"]}) from None
        if not 1 <= minutes <= self._max_minutes:
            raise InvalidRequest(f"'minutes' must be between 1 and {self._max_minutes} (the retention)",
                                 details={"minutes": ["out of range"]})
        if not self._sample_seconds:
            return {"sampling": False, "sample_seconds": 0}
        window = window_for(now=self._clock(), minutes=minutes, interval=self._sample_seconds)
        try:
            rows = await asyncio.to_thread(self._samples.read, since=window.since, until=window.until,
                                           step=window.step)
        except StoreUnavailable as error:
            raise _StoreDown(str(error)) from None
        return {"sampling": True, "sample_seconds": self._sample_seconds, "samples": self._samples.kind,
                **timeline(rows, window, recent_seconds=_RECENT_SECONDS)}
