"""Run the proxy: one worker in-process, or N worker processes sharing the port (SO_REUSEPORT).

The parent of several workers only supervises: it starts them (with prometheus-client's
multiprocess directory set so /metrics adds up every worker), restarts one that dies
(at most 5 times a minute), and on SIGTERM or SIGINT stops them all gracefully and exits 0,
as a process manager (honcho) expects.
"""
from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import multiprocessing.connection
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from strangler_proxy.build import build_report
from strangler_proxy.config import ProxySettings
from strangler_proxy.errors import ConfigError
from strangler_proxy.server.listener import Listener

__all__ = ["ProxyRunner", "configure_logging", "serve", "start_site"]

_log = logging.getLogger("strangler.proxy")
_SHUTDOWN_SECONDS = 10.0
_RESTARTS_PER_MINUTE = 5


class ProxyRunner:
    """Run the app's start and stop hooks around the proxy's own HTTP server (`listener.py`).

    Every request goes to the proxy's handler (`ProxyHandler.handle`); the application holds
    the proxy and its hooks, not routes: routes or middlewares added to it are not served.
    """

    def __init__(self, app: web.Application, *, shutdown_timeout: float = _SHUTDOWN_SECONDS) -> None:
        self.app = app
        self._shutdown_timeout = shutdown_timeout
        self._listener: Listener | None = None

    @property
    def addresses(self) -> list[Any]:
        """Return the listening addresses (host, port, ...)."""
        return [sock.getsockname() for sock in self._listener.sockets] if self._listener else []

    async def start(self, host: str, port: int, *, reuse_port: bool = False) -> None:
        """Run the app's startup hooks and start listening."""
        from strangler_proxy.server.app import PROXY

        app = self.app
        app.on_startup.freeze()
        await app.startup()
        app.freeze()
        self._listener = Listener(app[PROXY].handler.handle)
        await self._listener.start(host, port, reuse_port=reuse_port)

    async def cleanup(self) -> None:
        """Stop listening, let answers in progress finish, then run the app's cleanup hooks."""
        if self._listener is not None:
            await self._listener.close(self._shutdown_timeout)
            self._listener = None
        await self.app.shutdown()
        await self.app.cleanup()


async def start_site(app: web.Application, host: str, port: int, *, reuse_port: bool = False) -> ProxyRunner:
    """Start serving the app on host:port; return the runner (call `cleanup()` to stop)."""
    runner = ProxyRunner(app)
    await runner.start(host, port, reuse_port=reuse_port)
    return runner


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        if record.name == "strangler.access":
            return record.getMessage()
        line = {"ts": round(record.created, 3), "level": record.levelname.lower(), "logger": record.name,
                "message": record.getMessage(), "pid": record.process}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, separators=(",", ":"))


def configure_logging(level: str) -> None:
    """Send log records to stderr, one JSON object per line."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def serve(settings: ProxySettings, *, announce: Callable[[str], None] | None = None) -> int:
    """Serve until SIGTERM/SIGINT; return the exit code."""
    configure_logging(settings.log_level)
    if settings.workers > 1 and settings.port == 0:
        raise ConfigError("--workers above 1 needs a fixed --port (workers share it)")
    _check_port(settings)
    if announce:
        announce(f"strangler proxy: serving on http://{settings.host}:{settings.port} "
                 f"with {settings.workers} worker(s), store {settings.store_kind}, routes {settings.routes_file}")
    build = build_report()  # an edited .py beside an older .so would run the old code: say so
    _log.log(logging.WARNING if build.stale else logging.INFO, "data plane %s", build.summary())
    if settings.workers == 1:
        return run_worker(settings)
    return _supervise(settings)


def _check_port(settings: ProxySettings) -> None:
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            probe.bind((settings.host, settings.port))
        except OSError as error:
            raise ConfigError(f"cannot listen on {settings.host}:{settings.port}: {error.strerror}") from None


def run_worker(settings: ProxySettings) -> int:
    """Run one worker's event loop until a stop signal; return 0."""
    try:
        import uvloop

        return uvloop.run(_worker_main(settings))
    except ImportError:  # pragma: no cover - uvloop is a dependency except on Windows
        return asyncio.run(_worker_main(settings))


async def _worker_main(settings: ProxySettings) -> int:
    from strangler_proxy.server.app import create_app

    app = create_app(settings)
    runner = await start_site(app, settings.host, settings.port, reuse_port=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    _log.info("worker %d listening on %s:%d (event loop %s)", os.getpid(), settings.host, settings.port,
              type(loop).__module__)
    await stop.wait()
    _log.info("worker %d stopping", os.getpid())
    await runner.cleanup()
    return 0


def _worker_entry(settings: ProxySettings) -> None:
    configure_logging(settings.log_level)
    try:
        code = run_worker(settings)
    except KeyboardInterrupt:
        code = 0
    except Exception:
        logging.getLogger("strangler.proxy").exception("worker %d failed", os.getpid())
        code = 1
    sys.exit(code)


def _supervise(settings: ProxySettings) -> int:
    metrics_dir = tempfile.mkdtemp(prefix="strangler-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    context = multiprocessing.get_context("spawn")
    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, request_stop) for s in (signal.SIGTERM, signal.SIGINT)}

    def spawn() -> multiprocessing.process.BaseProcess:
        process = context.Process(target=_worker_entry, args=(settings,), name="strangler-worker")
        process.start()
        return process

    workers = [spawn() for _ in range(settings.workers)]
    restarts: list[float] = []
    code = 0
    try:
        while not stopping:
            multiprocessing.connection.wait([w.sentinel for w in workers], timeout=0.5)
            for index, worker in enumerate(workers):
                if worker.is_alive() or stopping:
                    continue
                _mark_dead(worker.pid)
                now = time.monotonic()
                restarts = [t for t in restarts if now - t < 60] + [now]
                if len(restarts) > _RESTARTS_PER_MINUTE:
                    _log.error("workers keep dying (exit code %s); stopping", worker.exitcode)
                    stopping, code = True, 1
                    break
                _log.warning("worker %s exited with %s; starting a new one", worker.pid, worker.exitcode)
                workers[index] = spawn()
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
        deadline = time.monotonic() + _SHUTDOWN_SECONDS + 2
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()))
            if worker.is_alive():
                worker.kill()
                worker.join()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        shutil.rmtree(metrics_dir, ignore_errors=True)
    return code


def _mark_dead(pid: int | None) -> None:
    if pid is None:
        return
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid)
