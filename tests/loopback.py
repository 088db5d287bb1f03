"""Running the monolith and the extracted services as real servers on loopback, for tests.

`serve_wsgi(app)` serves a WSGI app from a thread (cheap: the extracted services in
most tests). `ServiceProcess` runs a command (`python -m extracted.catalog`, the
monolith's runserver, a Celery worker) as a child process that a test can kill.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import jwt
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
DEV_JWT_SECRET = "dev-insecure-jwt-secret-change-me-in-production"

__all__ = ["DEV_JWT_SECRET", "ROOT", "ServiceProcess", "free_port", "postgres_database_at", "python", "serve_wsgi",
           "user_token"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve_wsgi(app) -> Iterator[str]:
    """Serve `app` on a free loopback port from a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="wsgi-test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)


def user_token(user_id: int, *, staff: bool = False, secret: str = DEV_JWT_SECRET,
               issuer: str = "strangler-monolith", lifetime: int = 600) -> str:
    """An access token as the monolith issues it (accounts.tokens.token_issue)."""
    now = dt.datetime.now(dt.timezone.utc)
    return jwt.encode({"sub": str(user_id), "email": f"user{user_id}@example.com", "staff": staff,
                       "iat": now, "exp": now + dt.timedelta(seconds=lifetime), "iss": issuer},
                      secret, algorithm="HS256")


class ServiceProcess:
    """A child process serving HTTP (or working a queue), stopped or killed by the test."""

    def __init__(self, argv: list[str], *, env: dict[str, str], log_path: Path,
                 health_url: str | None = None):
        self.argv, self.env, self.log_path, self.health_url = argv, env, log_path, health_url
        self.process: subprocess.Popen | None = None

    def start(self, *, timeout: float = 60.0) -> "ServiceProcess":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(self.argv, env={**os.environ, **self.env}, cwd=ROOT,
                                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        if self.health_url:
            deadline = time.monotonic() + timeout
            while not self._healthy():
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"{self.argv[:4]} did not come up; log:\n{self.log_tail()}")
                time.sleep(0.1)
        return self

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.health_url, timeout=1) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL the whole process group: no chance to finish anything."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> "ServiceProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


@contextlib.contextmanager
def postgres_database_at(server_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database on `server_url`'s server, dropped afterwards (like `postgres_database`)."""
    import psycopg

    name = f"strangler_s_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server_url.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
