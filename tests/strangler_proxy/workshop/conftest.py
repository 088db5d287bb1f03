"""A learner's world for the workshop's tests: a copy of the repository, and the stack running from it.

Resets and solutions rewrite the learner's files and route store, so they only ever touch
a temporary copy of the working tree (tracked and new files, as `git ls-files` lists them)
with its own .var/ and free loopback ports. One stack serves every module's test.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.helpers import wait_for
from tests.loopback import free_port

ROOT = Path(__file__).resolve().parents[3]
# Variables of the developer's own setup that would point the copy at other servers or files.
_FOREIGN = ("REDIS_URL", "DATABASE_URL", "CELERY_BROKER_URL", "STRANGLER_STORE", "STRANGLER_ROUTES",
            "DJANGO_SETTINGS_MODULE", "STRANGLER_ADMIN_TOKEN", "STRANGLER_ADMIN_TOKEN_FILE", "STRANGLER_VAR_DIR",
            "STRANGLER_WORKSHOP_ROOT", "PYTEST_ADDOPTS")


def repository_copy(target: Path) -> Path:
    """Copy the working tree's tracked and new files (not .var/, .venv/, caches) to `target`."""
    try:
        listing = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                                 capture_output=True, check=True).stdout.decode()
    except (OSError, subprocess.CalledProcessError):  # not a git checkout (an unpacked release)
        shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns(".git", ".venv", ".var", ".tmp", "__pycache__",
                                                                    "*.egg-info", ".hypothesis"))
        return target
    for name in filter(None, listing.split("\0")):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the working tree is skipped
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def learner_env(root: Path, **extra: str) -> dict[str, str]:
    """The environment of a learner working in `root`: its code first, its own .var/."""
    env = {k: v for k, v in os.environ.items() if k not in _FOREIGN and not k.startswith("STRANGLER_BACKEND_")}
    env.update({"PYTHONPATH": str(root), "STRANGLER_VAR_DIR": str(root / ".var"), "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LearnerStack:
    root: Path
    env: dict[str, str]
    process: subprocess.Popen
    log: Path

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.env['STRANGLER_PROXY_PORT']}"

    def url(self, port_variable: str) -> str:
        return f"http://127.0.0.1:{self.env[port_variable]}"

    def strangler(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """Run `strangler ARGS` as the learner would, in the copy."""
        return subprocess.run([sys.executable, "-m", "strangler_proxy.cli", *args], cwd=self.root, env=self.env,
                              capture_output=True, text=True, timeout=timeout)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="session")
def learner_stack(tmp_path_factory):
    """`strangler up` from a copy of the repository, warmed up, as a learner starts the workshop."""
    root = repository_copy(tmp_path_factory.mktemp("learner") / "strangler")
    ports = {name: str(free_port()) for name in ("STRANGLER_PROXY_PORT", "MONOLITH_PORT", "CATALOG_PORT",
                                                 "NOTIFICATIONS_PORT")}
    # A smaller cut-over gate keeps module 4 quick; the workshop reads it like the proxy does.
    env = learner_env(root, **ports, STRANGLER_RELAY_WAKE=f"127.0.0.1:{_free_udp_port()}",
                      STRANGLER_GATE_MIN_COMPARED="300")
    log = root.parent / "stack.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "strangler_proxy.cli", "up"], cwd=root, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    stack = LearnerStack(root, env, process, log)
    try:
        wait_for(lambda: _count(f"{stack.proxy}/api/v1/catalog/products/?page_size=1") is not None
                 or process.poll() is not None, timeout=180, interval=0.5)
        if process.poll() is not None:
            pytest.fail(f"strangler up exited early:\n{stack.log_text()[-3000:]}")
        # The catalog service is backfilled once it answers; module 2 onwards compares it.
        monolith_count = _count(f"{stack.url('MONOLITH_PORT')}/api/v1/catalog/products/?page_size=1")
        wait_for(lambda: _count(f"{stack.url('CATALOG_PORT')}/api/v1/catalog/products/?page_size=1")
                 == monolith_count, timeout=120, interval=0.5)
        _warm_up(stack.url("MONOLITH_PORT"))
        yield stack
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _count(url: str) -> int | None:
    try:
        response = httpx.get(url, timeout=5)
    except httpx.HTTPError:
        return None
    return response.json().get("count") if response.status_code == 200 else None


def _warm_up(monolith: str) -> None:
    """Let every monolith worker load its views now, before the tests plant code they would import later."""
    with httpx.Client(base_url=monolith, timeout=10) as client, ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: client.get("/api/v1/board/notices/"), range(64)))
