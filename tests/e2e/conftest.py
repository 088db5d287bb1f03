"""The whole stack as `strangler up` runs it, on free loopback ports in a temporary folder."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.helpers import wait_for
from tests.loopback import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class RunningStack:
    process: subprocess.Popen
    env: dict[str, str]
    proxy: str
    log: Path

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "strangler_proxy.cli", *args], env=self.env, cwd=ROOT,
                              capture_output=True, text=True, timeout=60)


@pytest.fixture
def stack(tmp_path):
    """`strangler up` on embedded defaults (SQLite, filesystem broker); stopped with one SIGINT."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("REDIS_URL", "DATABASE_URL", "CELERY_BROKER_URL", "STRANGLER_STORE",
                          "DJANGO_SETTINGS_MODULE", "STRANGLER_ADMIN_TOKEN", "STRANGLER_ADMIN_TOKEN_FILE")}
    ports = {name: free_port() for name in ("STRANGLER_PROXY_PORT", "MONOLITH_PORT", "CATALOG_PORT",
                                            "NOTIFICATIONS_PORT")}
    env.update({name: str(port) for name, port in ports.items()})
    env["STRANGLER_VAR_DIR"] = str(tmp_path / "var")
    env["STRANGLER_STORE"] = str(tmp_path / "var" / "routes.sqlite3")
    log = tmp_path / "stack.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "strangler_proxy.cli", "up"], cwd=ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    proxy = f"http://127.0.0.1:{ports['STRANGLER_PROXY_PORT']}"
    running = RunningStack(process, env, proxy, log)
    try:
        wait_for(lambda: _answers(f"{proxy}/api/v1/catalog/products/?page_size=1")
                 or process.poll() is not None, timeout=120, interval=0.5)
        if process.poll() is not None:
            pytest.fail(f"strangler up exited early:\n{log.read_text()[-3000:]}")
        yield running
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
