"""Fixtures for the proxy: real backends and a real proxy on loopback, driven over raw HTTP.

The servers run on an event loop in a background thread, so the tests stay plain
functions. Requests are written byte for byte (no client normalises a hostile path away)
and read with http.client.
"""
from __future__ import annotations

import asyncio
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from strangler_proxy.config import ProxySettings
from strangler_proxy.routing.table import parse_table
from strangler_proxy.server.app import PROXY, Proxy, create_app
from strangler_proxy.server.runner import start_site
from strangler_proxy.store.memory import MemoryStore
from tests.helpers import wait_for

ROOT = Path(__file__).resolve().parents[2]
ADMIN_TOKEN = "test-admin-token"


class LoopThread:
    """An asyncio loop running in a daemon thread; `run` executes a coroutine on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="test-loop", daemon=True)
        self._thread.start()

    def run(self, coro: Awaitable[Any], timeout: float = 60.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


@dataclass
class Seen:
    """A request as a fake backend received it."""

    method: str
    raw_path: str
    headers: dict[str, str]
    header_items: list[tuple[str, str]]
    body: bytes


Responder = Callable[[web.Request, bytes], Awaitable[web.StreamResponse]]


class FakeBackend:
    """A loopback HTTP server that records what reaches it and answers with `respond`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.requests: list[Seen] = []
        self.respond: Responder | None = None
        self.read_body = True
        self.healthy = True
        self.runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def hits(self) -> list[Seen]:
        """Requests other than health checks."""
        return [r for r in self.requests if r.raw_path != "/healthz"]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read() if self.read_body else b""
        self.requests.append(Seen(request.method, request.raw_path, dict(request.headers),
                                  list(request.headers.items()), body))
        if request.raw_path == "/healthz":
            return web.json_response({"status": "ok" if self.healthy else "down"},
                                     status=200 if self.healthy else 503)
        if self.respond is not None:
            return await self.respond(request, body)
        return web.json_response({"backend": self.name, "path": request.raw_path, "method": request.method})

    async def start(self) -> None:
        app = web.Application(client_max_size=1024 ** 3)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = self.runner.addresses[0][1]

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


@dataclass
class Reply:
    """An HTTP answer as read off the wire."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


def raw_exchange(port: int, raw: bytes, *, timeout: float = 30.0) -> Reply:
    """Send raw request bytes and read one response."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        response = http.client.HTTPResponse(sock, method=raw.split(b" ", 1)[0].decode("latin-1"))
        response.begin()
        body = response.read()
        return Reply(response.status, response.msg, body)


def build_request(method: str, path: str, headers: dict[str, str] | Iterable[tuple[str, str]] | None = None,
                  body: bytes | None = None) -> bytes:
    """Write a request exactly as given (the path is not normalised)."""
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    names = {name.lower() for name, _ in pairs}
    if "host" not in names:
        pairs.insert(0, ("Host", "proxy.test"))
    if body is not None and "content-length" not in names and "transfer-encoding" not in names:
        pairs.append(("Content-Length", str(len(body))))
    if "connection" not in names:
        pairs.append(("Connection", "close"))
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in pairs) + "\r\n"
    return head.encode("latin-1") + (body or b"")


@dataclass
class RunningProxy:
    """A proxy app on loopback, with its collaborators."""

    port: int
    app: web.Application
    store: Any
    runner: Any
    backends: dict[str, FakeBackend] = field(default_factory=dict)

    @property
    def proxy(self) -> Proxy:
        return self.app[PROXY]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, method: str, path: str, headers: dict[str, str] | Iterable[tuple[str, str]] | None = None,
                body: bytes | None = None, *, timeout: float = 30.0) -> Reply:
        return raw_exchange(self.port, build_request(method, path, headers, body), timeout=timeout)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        return self.request("GET", path, headers)

    def admin(self, method: str, path: str, data: Any = None, token: str | None = ADMIN_TOKEN) -> Reply:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        body = None
        if data is not None:
            body = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
        return self.request(method, f"/_strangler/api/{path}", headers, body)


DEFAULT_ROUTES = """
[[routes]]
id = "catalog-read"
context = "catalog"
backend = "catalog"
methods = ["GET", "HEAD"]
paths = ["/api/v1/catalog/products/", "/api/v1/catalog/products/{id}/"]
mode = "{catalog_mode}"

[[routes]]
id = "catalog-write"
context = "catalog"
backend = "catalog"
methods = ["POST", "PUT", "PATCH", "DELETE"]
paths = ["/api/v1/catalog/products/", "/api/v1/catalog/products/{id}/"]
mode = "{catalog_mode}"

[[routes]]
id = "catalog-stock"
context = "catalog"
backend = "catalog"
methods = ["PUT", "POST"]
paths = ["/api/v1/catalog/stock/{id:int}/"]
mode = "{catalog_mode}"
idempotent = true

[[routes]]
id = "orders"
context = "orders"
paths = ["/api/v1/orders/**"]
"""


def table_text(backends: dict[str, FakeBackend | str], routes: str = DEFAULT_ROUTES, *,
               catalog_mode: str = "extracted", backend_options: str = "") -> str:
    """Return a route file for these backends."""
    parts = []
    for name, backend in backends.items():
        url = backend.url if isinstance(backend, FakeBackend) else backend
        parts.append(f'[backends.{name}]\nurls = ["{url}"]\nhealth_path = "/healthz"\n{backend_options}\n')
    return "\n".join(parts) + routes.replace("{catalog_mode}", catalog_mode)


@pytest.fixture
def loop_thread() -> Iterator[LoopThread]:
    thread = LoopThread()
    yield thread
    thread.close()


@pytest.fixture
def backends(loop_thread: LoopThread) -> Iterator[dict[str, FakeBackend]]:
    """A fake monolith and a fake extracted catalog, running."""
    created = {"monolith": FakeBackend("monolith"), "catalog": FakeBackend("catalog")}
    for backend in created.values():
        loop_thread.run(backend.start())
    yield created
    for backend in created.values():
        loop_thread.run(backend.stop())


@pytest.fixture
def make_proxy(loop_thread: LoopThread, backends: dict[str, FakeBackend]) -> Iterator[Callable[..., RunningProxy]]:
    """Start a proxy in front of the fake backends: `make_proxy(text=None, store=None, **settings)`."""
    started: list[RunningProxy] = []

    def start(text: str | None = None, *, store: Any = None, mirror: Any = None, catalog_mode: str = "extracted",
              **settings: Any) -> RunningProxy:
        # With a routes_file setting the app reads (and watches) the file itself.
        table = None if "routes_file" in settings else parse_table(
            text if text is not None else table_text(backends, catalog_mode=catalog_mode))
        options = {"admin_token": ADMIN_TOKEN, "access_log": False, **settings}
        store = store if store is not None else MemoryStore()

        async def boot() -> tuple[web.Application, Any]:
            app = create_app(ProxySettings(**options), table=table, store=store, mirror=mirror)
            runner = await start_site(app, "127.0.0.1", 0)
            return app, runner

        app, runner = loop_thread.run(boot())
        running = RunningProxy(runner.addresses[0][1], app, store, runner, backends)
        started.append(running)
        return running

    yield start
    for running in started:
        loop_thread.run(running.runner.cleanup())


# --- real processes -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def strangler_command(*args: str) -> list[str]:
    """The `strangler` command line, run with this interpreter."""
    return [sys.executable, "-c", "from strangler_proxy.cli import main; main()", *args]


def run_cli(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(strangler_command(*args), env=env, cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    if check and result.returncode != 0:
        raise AssertionError(f"strangler {' '.join(args)} failed: {result.stderr}")
    return result


@dataclass
class ProxyProcess:
    """`strangler proxy` running as a real process tree."""

    process: subprocess.Popen[bytes]
    port: int
    env: dict[str, str]

    def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                body: bytes | None = None) -> Reply:
        return raw_exchange(self.port, build_request(method, path, headers, body))

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return self.process.returncode


@pytest.fixture
def proxy_process(tmp_path: Path) -> Iterator[Callable[..., ProxyProcess]]:
    """Start `strangler proxy` processes: `proxy_process(routes_text, workers=2, **env)`."""
    started: list[ProxyProcess] = []

    def start(routes_text: str, *, workers: int = 1, extra_env: dict[str, str] | None = None) -> ProxyProcess:
        routes = tmp_path / f"strangler-{len(started)}.toml"
        routes.write_text(routes_text)
        port = free_port()
        env = {
            **os.environ,
            "STRANGLER_ROUTES": str(routes),
            "STRANGLER_STORE": str(tmp_path / "routes.sqlite3"),
            "STRANGLER_ADMIN_TOKEN": ADMIN_TOKEN,
            "STRANGLER_ACCESS_LOG": "0",
            "STRANGLER_STORE_POLL_SECONDS": "0.1",
            # These tests flip to `extracted` with no shadow traffic: open the evidence gate.
            "STRANGLER_GATE_MIN_COMPARED": "0",
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        process = subprocess.Popen(
            strangler_command("proxy", "--port", str(port), "--workers", str(workers)),
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=open(tmp_path / f"proxy-{port}.log", "wb"))
        running = ProxyProcess(process, port, env)
        started.append(running)

        def answering() -> bool:
            if process.poll() is not None:
                raise AssertionError((tmp_path / f"proxy-{port}.log").read_text())
            try:
                return running.request("GET", "/_strangler/healthz").status == 200
            except OSError:
                return False

        wait_for(answering, timeout=30)
        return running

    yield start
    for running in started:
        running.stop()
