"""Fixtures for the shadow: a proxy in shadow mode with a comparing mirror, and fakes with planted differences.

The fake monolith stamps every answer with the time it was made (noise: two monolith
answers differ there too). The fake extracted catalog has the same stamp and two planted
differences on the product list: a price and a missing `sku`.
"""
from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from strangler_proxy.config import ProxySettings
from strangler_proxy.forwarding.upstream import UpstreamPool
from strangler_proxy.metrics import ProxyMetrics
from strangler_proxy.routing.table import parse_table
from strangler_proxy.server.runner import start_site
from strangler_proxy.server.app import create_app
from strangler_proxy.shadow.comparing_mirror import ComparingMirror
from strangler_proxy.shadow.config import ShadowSettings
from strangler_proxy.shadow.results import summarise
from strangler_proxy.shadow.results.memory import MemoryResults
from strangler_proxy.store.memory import MemoryStore
from tests.strangler_proxy.conftest import ADMIN_TOKEN, FakeBackend, LoopThread, RunningProxy

LIST = "/api/v1/catalog/products/"
DETAIL = "/api/v1/catalog/products/1/"
_clock = itertools.count(1)

SHADOW_ROUTES = """
[[routes]]
id = "catalog-read"
context = "catalog"
backend = "catalog"
methods = ["GET", "HEAD"]
paths = ["/api/v1/catalog/products/", "/api/v1/catalog/products/{id}/", "/api/v1/catalog/categories/",
         "/api/v1/catalog/categories/{id}/"]
mode = "shadow"
{extra}

[[routes]]
id = "catalog-write"
context = "catalog"
backend = "catalog"
methods = ["POST", "PUT", "PATCH", "DELETE"]
paths = ["/api/v1/catalog/products/", "/api/v1/catalog/products/{id}/"]
mode = "shadow"
"""


def stamp() -> str:
    """A timestamp that is different on every call (as a real clock would be)."""
    tick = next(_clock)
    return f"2025-03-01T12:{tick // 60 % 60:02d}:{tick % 60:02d}.{tick:06d}Z"


def products(*, planted: bool) -> dict[str, Any]:
    rows = [{"id": 1, "name": "Lamp", "price": "12.50", "sku": "L-1"},
            {"id": 2, "name": "Desk", "price": "99.00", "sku": "D-2"}]
    if planted:
        rows = [{"id": 1, "name": "Lamp", "price": "12.50"}, {"id": 2, "name": "Desk", "price": "98.00"}]
    return {"count": 2, "generated_at": stamp(), "results": rows}


@dataclass
class Planted:
    """What the fakes answered, to check the user got exactly the monolith's bytes."""

    monolith_bodies: dict[str, bytes] = field(default_factory=dict)  # request id -> body (user requests)
    gate: asyncio.Event | None = None  # when set, the catalog waits for it before answering
    catalog_answered: int = 0


def plant(backends: dict[str, FakeBackend], loop_thread: LoopThread) -> Planted:
    planted = Planted()

    async def monolith(request: web.Request, body: bytes) -> web.StreamResponse:
        if request.method != "GET":
            return web.json_response({"created": True, "at": stamp()}, status=201)
        document = products(planted=False) if request.path == LIST else {"id": 1, "generated_at": stamp()}
        raw = json.dumps(document).encode()
        if "X-Strangler-Shadow" not in request.headers and "X-Request-ID" in request.headers:
            planted.monolith_bodies[request.headers["X-Request-ID"]] = raw
        return web.Response(body=raw, content_type="application/json", charset="utf-8")

    async def catalog(request: web.Request, body: bytes) -> web.StreamResponse:
        if planted.gate is not None:
            await planted.gate.wait()
        planted.catalog_answered += 1
        if request.method != "GET":
            return web.json_response({"created": True, "at": stamp()}, status=201)
        document = products(planted=True) if request.path == LIST else {"id": 1, "generated_at": stamp()}
        return web.json_response(document)

    backends["monolith"].respond = monolith
    backends["catalog"].respond = catalog
    return planted


@dataclass
class ShadowProxy:
    """A running proxy with its comparing mirror and results."""

    running: RunningProxy
    mirror: ComparingMirror
    results: MemoryResults
    loop_thread: LoopThread

    def get(self, path: str, headers: dict[str, str] | None = None):
        return self.running.get(path, headers)

    def request(self, *args: Any, **kwargs: Any):
        return self.running.request(*args, **kwargs)

    def admin(self, *args: Any, **kwargs: Any):
        return self.running.admin(*args, **kwargs)

    def drain(self) -> None:
        """Wait until every mirrored exchange was compared and written."""
        self.loop_thread.run(self.mirror.drain())

    def summary(self, route: str = "catalog-read"):
        return summarise(self.results.route_data(route))


@pytest.fixture
def shadow_proxy(loop_thread: LoopThread, backends: dict[str, FakeBackend]) -> Iterator[Callable[..., ShadowProxy]]:
    """Start a shadowing proxy: `shadow_proxy(extra="[routes.shadow]...", backend_options="", rng=..., recorder=...,
    settings={proxy settings}, urls={"monolith": ..., "catalog": ...}, **shadow settings)`."""
    started: list[RunningProxy] = []

    def start(*, extra: str = "", backend_options: str = "", rng: Callable[[], float] = lambda: 0.0,
              settings: dict[str, Any] | None = None, recorder: Any = None, urls: dict[str, str] | None = None,
              **shadow: Any) -> ShadowProxy:
        urls = urls or {name: b.url for name, b in backends.items()}
        health = '"/healthz"' if all(url == b.url for url, b in zip(urls.values(), backends.values())) else '""'
        parts = [f'[backends.{name}]\nurls = ["{url}"]\nhealth_path = {health}\n'
                 + (backend_options if name == "catalog" else "") for name, url in urls.items()]
        table = parse_table("\n".join(parts) + SHADOW_ROUTES.replace("{extra}", extra))
        options = {"admin_token": ADMIN_TOKEN, "access_log": False, **(settings or {})}
        proxy_settings = ProxySettings(**options)
        shadow_settings = ShadowSettings(**{"noise_percent": 100.0, "flush_seconds": 3600.0, **shadow})
        results = MemoryResults()
        metrics = ProxyMetrics(multiprocess=False)
        pool = UpstreamPool(table.backends)
        store = MemoryStore()
        mirror = ComparingMirror(pool, metrics, results, shadow_settings, rng=rng,
                                 body_limit=proxy_settings.mirror_body_limit, recorder=recorder)

        async def boot():
            app = create_app(proxy_settings, table=table, store=store, upstream=pool, mirror=mirror,
                             metrics=metrics, results=results)
            return app, await start_site(app, "127.0.0.1", 0)

        app, runner = loop_thread.run(boot())
        running = RunningProxy(runner.addresses[0][1], app, store, runner, backends)
        started.append(running)
        return ShadowProxy(running, mirror, results, loop_thread)

    yield start
    for running in started:
        loop_thread.run(running.runner.cleanup())
