"""A whole side-job stack in real processes: web server, relay, Celery workers, Redis.

Each test gets its own folder, database (an SQLite file, or a fresh PostgreSQL
database) and Redis database, migrates it, and starts only the processes it needs.
Everything it started is stopped when the test ends.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Fast retries and a short visibility timeout so redelivery happens within a test;
# 2 s (retry cap) + 5 s (hard limit) < 8 s (visibility) keeps the profile check happy.
FAST_PROFILE = {
    "STRANGLER_JOBS_MAX_RETRIES": "3",
    "STRANGLER_JOBS_RETRY_BASE_SECONDS": "0.5",
    "STRANGLER_JOBS_RETRY_MAX_SECONDS": "2",
    "STRANGLER_JOBS_SOFT_TIME_LIMIT_SECONDS": "4",
    "STRANGLER_JOBS_TIME_LIMIT_SECONDS": "5",
    "STRANGLER_BROKER_VISIBILITY_TIMEOUT_SECONDS": "8",
    "STRANGLER_BROKER_TIMEOUT_SECONDS": "1",
    "STRANGLER_RELAY_POLL_SECONDS": "0.2",
    "STRANGLER_RELAY_BACKOFF_MAX_SECONDS": "1",
}


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate: Callable[[], object], *, timeout: float = 30.0, what: str = "condition",
               interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout}s")
        time.sleep(interval)


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill9(self) -> None:
        """SIGKILL the process and every child it started (a crash, not a shutdown)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill9()
        # Pool processes outlive a parent killed with SIGKILL for a moment: reap the group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.popen.pid}/task/{self.popen.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []


@dataclass
class Stack:
    root: Path
    env: dict[str, str]
    database_url: str
    redis_url: str | None
    processes: list[Process] = field(default_factory=list)
    web_url: str | None = None

    # -- processes -------------------------------------------------------------
    def spawn(self, name: str, argv: list[str], extra_env: dict[str, str] | None = None) -> Process:
        log = self.root / f"{name}.log"
        popen = subprocess.Popen(argv, cwd=ROOT, env={**self.env, **(extra_env or {})},
                                 stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def run(self, *argv: str, extra_env: dict[str, str] | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(list(argv), cwd=ROOT, env={**self.env, **(extra_env or {})},
                              capture_output=True, text=True, timeout=timeout)

    def monolith(self, *args: str) -> subprocess.CompletedProcess:
        return self.run(sys.executable, "-m", "monolith", *args)

    def strangler(self, *args: str, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        return self.run(sys.executable, "-c", "from strangler_proxy.cli import main; main()", *args,
                        extra_env=extra_env)

    def start_worker(self, name: str = "worker", *, queues: list[str] | None = None, pool: str = "prefork",
                     extra_env: dict[str, str] | None = None, wait: bool = True,
                     include: list[str] | None = None) -> Process:
        """Start a Celery worker; `include` names extra task modules (test-only tasks) it imports."""
        argv = [sys.executable, "-m", "celery", "-A", "monolith.celery", "worker", "-l", "INFO",
                "-P", pool, "-c", "1", "-n", f"{name}@%h",
                "--without-mingle", "--without-gossip", "--without-heartbeat"]
        if queues:
            argv += ["-Q", ",".join(queues)]
        if include:
            argv += ["-I", ",".join(include)]
        process = self.spawn(name, argv, extra_env)
        if wait:
            wait_until(lambda: " ready." in process.output() or not process.alive(), timeout=60,
                       what=f"{name} ready")
            assert process.alive(), process.output()
        return process

    def start_relay(self, name: str = "relay", *args: str, wait: bool = True,
                    extra_env: dict[str, str] | None = None) -> Process:
        process = self.spawn(name, [sys.executable, "-m", "monolith", "run_relay", *args], extra_env)
        if wait:
            wait_until(lambda: "relay: started" in process.output() or not process.alive(), timeout=60,
                       what=f"{name} started")
            assert process.alive(), process.output()
        return process

    def start_web(self) -> str:
        port = free_port()
        process = self.spawn("web", [sys.executable, "-m", "monolith", "runserver", f"127.0.0.1:{port}",
                                     "--noreload", "--skip-checks"])
        self.web_url = f"http://127.0.0.1:{port}"

        def up() -> bool:
            assert process.alive(), process.output()
            try:
                with urllib.request.urlopen(f"{self.web_url}/healthz", timeout=2):
                    return True
            except (urllib.error.URLError, OSError):
                return False

        wait_until(up, timeout=60, what="web server up")
        return self.web_url

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            process.stop()

    # -- the shop --------------------------------------------------------------
    def sign_up(self, email: str, name: str = "Ada") -> int:
        """POST a sign-up through the web server; return the HTTP status."""
        request = urllib.request.Request(
            f"{self.web_url}/api/v1/accounts/signup/", method="POST",
            data=json.dumps({"email": email, "password": "correct-horse-9", "name": name}).encode(),
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"{self.web_url}{path}", timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    # -- the database ----------------------------------------------------------
    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> str:
        return self.database_url.removeprefix("sqlite:///")

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        if self.is_sqlite:
            with contextlib.closing(sqlite3.connect(self.sqlite_path, timeout=30)) as conn:
                rows = conn.execute(query, params).fetchall()
                conn.commit()
                return rows
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            cursor = conn.execute(query.replace("?", "%s"), params)
            return cursor.fetchall() if cursor.description else []

    def count(self, table: str, where: str = "", params: tuple = ()) -> int:
        return self.sql(f"SELECT COUNT(*) FROM {table}" + (f" WHERE {where}" if where else ""), params)[0][0]

    @contextlib.contextmanager
    def write_lock(self, *tables: str) -> Iterator[None]:
        """Block writers while inside: SQLite's write lock, or SHARE locks on PostgreSQL tables.

        A job or a relay that reaches a write waits here: the way to catch a process
        in the middle of its work without hooks in the code.
        """
        if self.is_sqlite:
            conn = sqlite3.connect(self.sqlite_path, timeout=30, isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            finally:
                conn.execute("ROLLBACK")
                conn.close()
            return
        import psycopg

        conn = psycopg.connect(self.database_url)
        conn.execute("LOCK TABLE " + ", ".join(tables) + " IN SHARE MODE")
        try:
            yield
        finally:
            conn.rollback()
            conn.close()

    # -- the broker --------------------------------------------------------------
    def redis(self):
        import redis

        return redis.Redis.from_url(self.redis_url)

    def queue_length(self, queue: str) -> int:
        return self.redis().llen(queue)

    def unacked(self) -> int:
        return self.redis().hlen("unacked")


def _stack(root: Path, database_url: str, redis_url: str | None) -> Stack:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("STRANGLER_", "DJANGO_", "CELERY_", "PROMETHEUS_")) and k not in (
               "DATABASE_URL", "REDIS_URL")}
    env.update(FAST_PROFILE)
    env.update({
        # The test settings only hash passwords faster (and name a test database nobody uses
        # here): sign-ups stop holding SQLite's write lock for a second each.
        "DJANGO_SETTINGS_MODULE": "monolith.settings.test",
        "STRANGLER_VAR_DIR": str(root),
        "DATABASE_URL": database_url,
        "STRANGLER_RELAY_WAKE": f"127.0.0.1:{free_port(socket.SOCK_DGRAM)}",
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": str(ROOT),
    })
    if redis_url:
        env["REDIS_URL"] = redis_url
    stack = Stack(root=root, env=env, database_url=database_url, redis_url=redis_url)
    migrated = stack.monolith("migrate", "--noinput", "-v0")
    assert migrated.returncode == 0, migrated.stderr
    return stack


@pytest.fixture
def make_stack(tmp_path: Path, request):
    """Build stacks: `make_stack(redis_url=..., database_url=None)` (SQLite file by default)."""
    stacks: list[Stack] = []

    def make(*, redis_url: str | None, database_url: str | None = None, name: str = "stack") -> Stack:
        root = tmp_path / name
        root.mkdir()
        stack = _stack(root, database_url or f"sqlite:///{root / 'monolith.sqlite3'}", redis_url)
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.stop_all()
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        for stack in stacks:
            for process in stack.processes:
                sys.stderr.write(f"\n===== {process.name} =====\n{process.output()[-4000:]}\n")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def stack(make_stack, redis_url) -> Stack:
    """A stack on an SQLite file and the test's Redis database."""
    return make_stack(redis_url=redis_url)


@pytest.fixture
def throwaway_redis(tmp_path: Path):
    """A redis-server of our own on a free loopback port, which a test may stop and restart.

    Append-only with fsync on every write: a restart keeps every message, as a
    production broker configured for durability would.
    """
    import shutil

    binary = shutil.which("redis-server")
    assert binary, "redis-server is needed for the broker outage test"
    folder = tmp_path / "redis"
    folder.mkdir()
    port = free_port()

    class Server:
        url = f"redis://127.0.0.1:{port}/0"
        popen: subprocess.Popen | None = None

        def start(self) -> None:
            self.popen = subprocess.Popen(
                [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
                 "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
                stdout=(folder / "redis.log").open("ab"), stderr=subprocess.STDOUT)
            import redis

            def answers() -> bool:
                try:
                    return bool(redis.Redis.from_url(self.url, socket_timeout=1).ping())
                except redis.RedisError:
                    return False

            wait_until(answers, timeout=20, what="redis-server up")

        def kill(self) -> None:
            if self.popen and self.popen.poll() is None:
                self.popen.kill()
                self.popen.wait(timeout=10)

    server = Server()
    server.start()
    yield server
    server.kill()
