"""The admin API, under the reserved prefix /_strangler/api/ (bearer token required).

    GET  routes                    every route with its effective mode, and the table version
    GET  routes/<id>               one route
    POST routes/<id>/flip          {"mode", "percent"?, "reason", "actor"?, "force"?}
    GET  history?route=&limit=     the audit log, newest first
    GET  kill-switch               {"on": bool}
    POST kill-switch               {"on": bool, "reason", "actor"?}
    GET  stats                     per-route requests by backend and status, fallbacks, latency
    GET  status                    table file, digest, store, version, last refused reload
    POST reload                    re-read the route file now (422 with the problems if refused)
    POST overrides                 {"target": "monolith"|"extracted", "ttl_seconds", "routes"?} -> QA token
    ... compare[/...]              shadow results and reports: strangler_proxy/shadow/admin.py

Writes go through `strangler_proxy.control`, so they are validated and audited exactly like
the CLI's. The worker applies its own change at once; the others pick it up from the store.
"""
from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from strangler_proxy.admin.auth import bearer_token_matches
from strangler_proxy.config import ProxySettings
from strangler_proxy.control import kill_switch_set, route_flip, route_rows
from strangler_proxy.errors import (
    FlipRefused,
    InvalidRequest,
    NotFound,
    ProxyError,
    StoreUnavailable,
    Unauthorized,
    UnknownRoute,
)
from strangler_proxy.metrics import ProxyMetrics
from strangler_proxy.routing.overrides import override_token_create
from strangler_proxy.routing.paths import Target
from strangler_proxy.server.responses import json_response
from strangler_proxy.server.state import StateHolder
from strangler_proxy.shadow.admin import CompareAdmin
from strangler_proxy.store.base import KILL_SWITCH, RouteStore

__all__ = ["API_PREFIX", "AdminApi"]

API_PREFIX = ("_strangler", "api")
_MAX_BODY = 64 * 1024


class _Refused(ProxyError):
    status, code = 422, "flip_refused"


class _UnknownRoute(ProxyError):
    status, code = 404, "unknown_route"


class _StoreDown(ProxyError):
    status, code = 503, "store_unavailable"


class _MethodNotAllowed(ProxyError):
    status, code = 405, "method_not_allowed"


class _ReloadRefused(ProxyError):
    status, code = 422, "route_file_refused"


class AdminApi:
    """Serve the admin API for one worker."""

    def __init__(self, *, holder: StateHolder, store: RouteStore, settings: ProxySettings,
                 metrics: ProxyMetrics, reload: Callable[[], Awaitable[list[str] | None]],
                 compare: CompareAdmin | None = None) -> None:
        self._holder = holder
        self._compare = compare
        self._store = store
        self._settings = settings
        self._metrics = metrics
        self._reload = reload

    async def handle(self, request: web.BaseRequest, target: Target) -> web.Response:
        """Answer an admin request; raise ProxyError for the caller to render."""
        if not bearer_token_matches(request.headers.get("Authorization"), self._settings.admin_token):
            raise Unauthorized("a valid admin bearer token is required"
                               + ("" if self._settings.admin_token else
                                  " (STRANGLER_ADMIN_TOKEN is not set, so the admin API is closed)"))
        parts = [s for s in target.segments[2:]]
        if parts and parts[-1] == "":
            parts.pop()
        method = request.method
        try:
            return await self._dispatch(method, parts, request)
        except UnknownRoute as error:
            raise _UnknownRoute(str(error)) from None
        except FlipRefused as error:
            raise _Refused(str(error)) from None
        except StoreUnavailable as error:
            raise _StoreDown(str(error)) from None

    async def _dispatch(self, method: str, parts: list[str], request: web.BaseRequest) -> web.Response:
        match parts:
            case ["routes"]:
                self._allow(method, "GET")
                return json_response(await self._routes())
            case ["routes", route_id]:
                self._allow(method, "GET")
                listing = await self._routes()
                for row in listing["routes"]:
                    if row["id"] == route_id:
                        return json_response({**row, "version": listing["version"]})
                raise UnknownRoute(f"unknown route {route_id!r}")
            case ["routes", route_id, "flip"]:
                self._allow(method, "POST")
                return await self._flip(route_id, await self._json(request), request)
            case ["history"]:
                self._allow(method, "GET")
                return await self._history(request)
            case ["kill-switch"]:
                if method == "GET":
                    snapshot = await self._snapshot()
                    return json_response({"on": snapshot.kill_switch, "version": snapshot.version})
                self._allow(method, "POST")
                return await self._kill_switch(await self._json(request), request)
            case ["stats"]:
                self._allow(method, "GET")
                stats = await asyncio.to_thread(self._metrics.route_stats)
                return json_response({"routes": stats, "pid": os.getpid()})
            case ["status"]:
                self._allow(method, "GET")
                return json_response(self._status())
            case ["reload"]:
                self._allow(method, "POST")
                problems = await self._reload()
                if problems:
                    raise _ReloadRefused("the route file was refused; the last good table is still served",
                                         details={"problems": problems})
                return json_response(self._status())
            case ["overrides"]:
                self._allow(method, "POST")
                return self._override(await self._json(request))
            case ["compare", *rest] if self._compare is not None:
                return await self._compare.handle(method, rest, request, self._holder.current.table)
        raise NotFound("no such admin endpoint", details={"path": "/" + "/".join([*API_PREFIX, *parts])})

    @staticmethod
    def _allow(method: str, allowed: str) -> None:
        if method != allowed:
            raise _MethodNotAllowed(f"use {allowed}", details={"allowed": [allowed]})

    async def _json(self, request: web.BaseRequest) -> dict[str, Any]:
        if request.content_length is not None and request.content_length > _MAX_BODY:
            raise InvalidRequest("the JSON body is too large")
        raw = await request.content.read(_MAX_BODY + 1)
        if len(raw) > _MAX_BODY:
            raise InvalidRequest("the JSON body is too large")
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            raise InvalidRequest("the body must be a JSON object") from None
        if not isinstance(data, dict):
            raise InvalidRequest("the body must be a JSON object")
        return data

    @staticmethod
    def _actor(data: dict[str, Any], request: web.BaseRequest) -> str:
        actor = data.get("actor") or request.headers.get("X-Strangler-Actor") or "admin"
        if not isinstance(actor, str):
            raise InvalidRequest("'actor' must be a string")
        return f"api:{actor}"

    @staticmethod
    def _text(data: dict[str, Any], key: str) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise InvalidRequest(f"{key!r} is required", details={key: ["required"]})
        return value

    async def _snapshot(self):
        return await asyncio.to_thread(self._store.snapshot)

    async def _refresh(self) -> None:
        snapshot = await self._snapshot()
        self._holder.apply_snapshot(snapshot)

    async def _routes(self) -> dict[str, Any]:
        snapshot = await self._snapshot()
        table = self._holder.current.table
        return {"version": snapshot.version, "kill_switch": snapshot.kill_switch,
                "applied_version": self._holder.current.version, "routes": route_rows(table, snapshot)}

    async def _flip(self, route_id: str, data: dict[str, Any], request: web.BaseRequest) -> web.Response:
        mode = self._text(data, "mode")
        reason = self._text(data, "reason")
        percent = data.get("percent")
        force = data.get("force", False)
        if not isinstance(force, bool):
            raise InvalidRequest("'force' must be true or false", details={"force": ["must be a boolean"]})
        table = self._holder.current.table
        entry = await asyncio.to_thread(route_flip, table=table, store=self._store, route_id=route_id,
                                        mode=mode, percent=percent, actor=self._actor(data, request),
                                        reason=reason, force=force,
                                        evidence=self._compare.evidence if self._compare is not None else None)
        await self._refresh()
        return json_response({"entry": entry.as_dict(), "version": entry.version})

    async def _kill_switch(self, data: dict[str, Any], request: web.BaseRequest) -> web.Response:
        on = data.get("on")
        if not isinstance(on, bool):
            raise InvalidRequest("'on' must be true or false", details={"on": ["must be a boolean"]})
        reason = self._text(data, "reason")
        entry = await asyncio.to_thread(kill_switch_set, store=self._store, on=on,
                                        actor=self._actor(data, request), reason=reason)
        await self._refresh()
        return json_response({"entry": entry.as_dict(), "on": on, "version": entry.version})

    async def _history(self, request: web.BaseRequest) -> web.Response:
        route = request.query.get("route") or None
        if route == "kill-switch":
            route = KILL_SWITCH
        try:
            limit = int(request.query.get("limit", "50"))
        except ValueError:
            raise InvalidRequest("'limit' must be an integer") from None
        if not 1 <= limit <= 1000:
            raise InvalidRequest("'limit' must be between 1 and 1000")
        entries = await asyncio.to_thread(self._store.history, subject=route, limit=limit)
        return json_response({"entries": [e.as_dict() for e in entries]})

    def _status(self) -> dict[str, Any]:
        current = self._holder.current
        return {
            "pid": os.getpid(),
            "routes_file": current.table.source,
            "digest": current.table.digest,
            "routes": len(current.table.routes),
            "store": self._store.kind,
            "applied_version": current.version,
            "kill_switch": current.snapshot.kill_switch,
            "last_refused_reload": self._holder.last_reload_error,
        }

    def _override(self, data: dict[str, Any]) -> web.Response:
        target = self._text(data, "target")
        ttl = data.get("ttl_seconds", 3600)
        routes = data.get("routes")
        if not isinstance(ttl, int) or isinstance(ttl, bool):
            raise InvalidRequest("'ttl_seconds' must be an integer")
        if routes is not None and not (isinstance(routes, list) and all(isinstance(r, str) for r in routes)):
            raise InvalidRequest("'routes' must be a list of route ids")
        try:
            token = override_token_create(secret=self._settings.signing_secret, target=target,
                                          ttl_seconds=ttl, routes=routes)
        except ValueError as error:
            raise InvalidRequest(str(error)) from None
        return json_response({"token": token, "header": "X-Strangler-Override", "ttl_seconds": ttl})
