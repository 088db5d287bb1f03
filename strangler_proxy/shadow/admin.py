"""Shadow results in the admin API (behind its bearer token), under /_strangler/api/compare.

    GET  compare                       every shadowable route: outcomes, latency, fields, gate
    GET  compare/<route>?samples=N     one route, with its N newest kept examples (default 10)
    GET  compare/<route>/rules         the ignore rules learned from noise, as TOML to paste
    GET  compare/report.html?route=    the HTML report (every route, or the ones named)
    POST compare/<route>/reset         {"reason"}: forget the route's results (evidence starts over)
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiohttp import web

from strangler_proxy.errors import InvalidRequest, NotFound, ProxyError
from strangler_proxy.routing.model import RouteSpec, RouteTable
from strangler_proxy.server.responses import json_response
from strangler_proxy.shadow.config import ShadowSettings
from strangler_proxy.shadow.gate import gate_evidence
from strangler_proxy.shadow.report import route_reports
from strangler_proxy.shadow.report_html import render_html
from strangler_proxy.shadow.results.base import ResultsStore

__all__ = ["CompareAdmin"]

_log = logging.getLogger("strangler.shadow")


class _MethodNotAllowed(ProxyError):
    status, code = 405, "method_not_allowed"


class CompareAdmin:
    """Serve the compare endpoints; also the gate check the admin API's flips run."""

    def __init__(self, results: ResultsStore, settings: ShadowSettings | None = None) -> None:
        self.results = results
        self.settings = settings or ShadowSettings.from_env()

    def evidence(self, route: RouteSpec) -> str | None:
        """Return None when the route may go to `extracted`, else why not (runs in a thread)."""
        return gate_evidence(self.results, self.settings)(route)

    async def handle(self, method: str, parts: list[str], request: web.BaseRequest,
                     table: RouteTable) -> web.Response:
        """Answer GET/POST under compare/; raise ProxyError for the admin API to render."""
        match parts:
            case []:
                _allow(method, "GET")
                reports = await asyncio.to_thread(route_reports, table, self.results, self.settings)
                return json_response({"routes": [r.to_dict(with_samples=False) for r in reports]})
            case ["report.html"]:
                _allow(method, "GET")
                named = [r for r in request.query.getall("route", []) if r]
                for route_id in named:
                    await self._known(table, route_id)
                reports = await asyncio.to_thread(route_reports, table, self.results, self.settings,
                                                  routes=named or None, samples=200)
                return web.Response(text=render_html(reports), content_type="text/html", charset="utf-8")
            case [route_id]:
                _allow(method, "GET")
                await self._known(table, route_id)
                samples = _count(request.query.get("samples", "10"), "samples", 0, 1000)
                [report] = await asyncio.to_thread(route_reports, table, self.results, self.settings,
                                                   routes=[route_id], samples=samples)
                return json_response(report.to_dict())
            case [route_id, "rules"]:
                _allow(method, "GET")
                await self._known(table, route_id)
                [report] = await asyncio.to_thread(route_reports, table, self.results, self.settings,
                                                   routes=[route_id])
                return json_response({"route": route_id, "toml": report.suggestion,
                                      "noise_fields": [f.field for f in report.results.fields
                                                       if f.label == "noise"]})
            case [route_id, "reset"]:
                _allow(method, "POST")
                await self._known(table, route_id)
                data = await _json(request)
                reason = data.get("reason")
                if not isinstance(reason, str) or not reason.strip():
                    raise InvalidRequest("'reason' is required", details={"reason": ["required"]})
                await asyncio.to_thread(self.results.reset, route_id)
                _log.warning("shadow results of %s reset through the admin API: %s", route_id, reason.strip())
                return json_response({"route": route_id, "reset": True})
        raise NotFound("no such compare endpoint", details={"path": "/_strangler/api/compare/" + "/".join(parts)})

    async def _known(self, table: RouteTable, route_id: str) -> None:
        if table.route(route_id) is None and route_id not in await asyncio.to_thread(self.results.routes):
            raise NotFound(f"unknown route {route_id!r}", details={"route": route_id})


def _allow(method: str, allowed: str) -> None:
    if method != allowed:
        raise _MethodNotAllowed(f"use {allowed}", details={"allowed": [allowed]})


def _count(raw: str, name: str, low: int, high: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise InvalidRequest(f"'{name}' must be an integer") from None
    if not low <= value <= high:
        raise InvalidRequest(f"'{name}' must be between {low} and {high}")
    return value


async def _json(request: web.BaseRequest) -> dict[str, Any]:
    raw = await request.content.read(64 * 1024 + 1)
    if len(raw) > 64 * 1024:
        raise InvalidRequest("the JSON body is too large")
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        raise InvalidRequest("the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise InvalidRequest("the body must be a JSON object")
    return data
