"""What the side-job benchmarks share: a throwaway Redis, a bench database, the stack's processes."""
from __future__ import annotations

import contextlib
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
PG_SERVER = os.environ.get("STRANGLER_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown CPU")
    mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    return (f"{os.cpu_count()} vCPU ({cpu}), {mem} MiB RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}; shared with other work")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def summary_ms(values: list[float]) -> dict:
    ms = [v * 1000 for v in values]
    return {"n": len(ms), "p50_ms": round(percentile(ms, 50), 1), "p99_ms": round(percentile(ms, 99), 1),
            "mean_ms": round(statistics.fmean(ms), 1), "max_ms": round(max(ms), 1)}


@contextlib.contextmanager
def throwaway_redis(folder: Path) -> Iterator[str]:
    """A redis-server of our own on a free loopback port (append-only, fsync every second)."""
    binary = shutil.which("redis-server")
    if not binary:
        raise SystemExit("redis-server is needed (apt-get install redis-server)")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
                               "--appendonly", "yes", "--appendfsync", "everysec", "--save", ""],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    deadline = time.monotonic() + 20
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.RedisError:
            if time.monotonic() > deadline:
                server.kill()
                raise
            time.sleep(0.05)
    try:
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@contextlib.contextmanager
def bench_database(name: str) -> Iterator[str]:
    """A fresh PostgreSQL database for the benchmark, dropped after."""
    import psycopg

    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_SERVER.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_SERVER, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def stack_env(var_dir: Path, *, database_url: str | None, redis_url: str | None, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("STRANGLER_", "DJANGO_", "CELERY_", "PROMETHEUS_")) and k not in (
               "DATABASE_URL", "REDIS_URL")}
    env.update({"DJANGO_SETTINGS_MODULE": "monolith.settings.local", "STRANGLER_VAR_DIR": str(var_dir),
                "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1",
                "STRANGLER_RELAY_WAKE": f"127.0.0.1:{free_port()}"})
    if database_url:
        env["DATABASE_URL"] = database_url
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


class Processes:
    """Start processes in their own groups; stop every one of them on exit."""

    def __init__(self, env: dict, logs: Path) -> None:
        self.env, self.logs, self.started = env, logs, []
        logs.mkdir(parents=True, exist_ok=True)

    def start(self, name: str, *argv: str, ready: str | None = None, timeout: float = 60) -> subprocess.Popen:
        log = self.logs / f"{name}.log"
        popen = subprocess.Popen(list(argv), cwd=ROOT, env=self.env, stdout=log.open("wb"),
                                 stderr=subprocess.STDOUT, start_new_session=True)
        self.started.append(popen)
        deadline = time.monotonic() + timeout
        while ready and ready not in log.read_text(errors="replace"):
            if popen.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.05)
        return popen

    def stop(self, popen: subprocess.Popen) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(popen.pid, signal.SIGTERM)
        try:
            popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(popen.pid, signal.SIGKILL)
            popen.wait(timeout=5)

    def __enter__(self) -> "Processes":
        return self

    def __exit__(self, *exc) -> None:
        for popen in reversed(self.started):
            self.stop(popen)


def migrate(env: dict) -> None:
    subprocess.run([PYTHON, "-m", "monolith", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
