"""The whole path as real processes on loopback: the monolith (web, relay, worker), the
catalog service (web, worker, relay), Redis, and SQLite files or PostgreSQL databases.

`stack` is parametrized over both database engines; the monolith and the service
each get their own database of that engine.
"""
from __future__ import annotations

import subprocess
import sys
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.loopback import ROOT, ServiceProcess, free_port, postgres_database_at


@dataclass
class Stack:
    tmp: Path
    redis_url: str
    monolith_db: str
    catalog_db: str
    notifications_db: str
    monolith_port: int = field(default_factory=free_port)
    catalog_port: int = field(default_factory=free_port)
    notifications_port: int = field(default_factory=free_port)
    wake_port: int = field(default_factory=free_port)
    processes: dict[str, ServiceProcess] = field(default_factory=dict)

    @property
    def monolith_url(self) -> str:
        return f"http://127.0.0.1:{self.monolith_port}"

    @property
    def catalog_url(self) -> str:
        return f"http://127.0.0.1:{self.catalog_port}"

    @property
    def notifications_url(self) -> str:
        return f"http://127.0.0.1:{self.notifications_port}"

    def monolith_env(self, **extra: str) -> dict[str, str]:
        return {"DATABASE_URL": self.monolith_db, "STRANGLER_VAR_DIR": str(self.tmp / "monolith"),
                "REDIS_URL": self.redis_url, "DJANGO_SETTINGS_MODULE": "monolith.settings.local",
                "STRANGLER_RELAY_WAKE": f"127.0.0.1:{self.wake_port}",
                "STRANGLER_CATALOG_SERVICE_URL": self.catalog_url, "PYTHONUNBUFFERED": "1", **extra}

    def catalog_env(self, **extra: str) -> dict[str, str]:
        return {"CATALOG_DATABASE_URL": self.catalog_db, "STRANGLER_VAR_DIR": str(self.tmp / "catalog"),
                "CELERY_BROKER_URL": self.redis_url, "CATALOG_PORT": str(self.catalog_port),
                "CATALOG_WORKERS": "1", "CATALOG_THREADS": "4", "PYTHONUNBUFFERED": "1", **extra}

    def manage(self, *args: str) -> str:
        import os

        result = subprocess.run([sys.executable, "-m", "monolith", *args], cwd=ROOT, capture_output=True,
                                text=True, env={**os.environ, **self.monolith_env()}, timeout=300)
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout

    def start(self, name: str, argv: list[str], env: dict[str, str], health: str | None = None) -> ServiceProcess:
        process = ServiceProcess(argv, env=env, log_path=self.tmp / "logs" / f"{name}.log", health_url=health)
        self.processes[name] = process.start(timeout=90)
        return process

    def start_monolith(self, **env: str) -> None:
        environment = self.monolith_env(**env)
        self.start("monolith", [sys.executable, "-m", "monolith", "runserver", "--noreload",
                                f"127.0.0.1:{self.monolith_port}"],
                   environment, health=f"{self.monolith_url}/healthz")
        self.start("monolith-relay", [sys.executable, "-m", "monolith", "run_relay"], environment)

    def start_monolith_worker(self, queues: str) -> None:
        self.start("monolith-worker", [sys.executable, "-m", "celery", "-A", "monolith.celery", "worker",
                                       "--pool", "solo", "--queues", queues, "--without-gossip",
                                       "--without-mingle", "--loglevel", "INFO"], self.monolith_env())

    def stop_monolith(self) -> None:
        for name in ("monolith", "monolith-relay", "monolith-worker"):
            self.stop(name)

    def start_catalog_web(self, *, writer: str) -> ServiceProcess:
        return self.start("catalog", [sys.executable, "-m", "extracted.catalog", "serve"],
                          self.catalog_env(STRANGLER_CATALOG_WRITER=writer), health=f"{self.catalog_url}/healthz")

    def start_catalog(self, *, writer: str) -> None:
        env = self.catalog_env(STRANGLER_CATALOG_WRITER=writer)
        self.start_catalog_web(writer=writer)
        self.start("catalog-worker", [sys.executable, "-m", "extracted.catalog", "worker"], env)
        self.start("catalog-relay", [sys.executable, "-m", "extracted.catalog", "relay", "--interval", "0.2"], env)

    def start_notifications(self) -> None:
        env = {"NOTIFICATIONS_DATABASE_URL": self.notifications_db, "STRANGLER_VAR_DIR": str(self.tmp / "notes"),
               "CELERY_BROKER_URL": self.redis_url, "NOTIFICATIONS_PORT": str(self.notifications_port),
               "NOTIFICATIONS_WORKERS": "1", "PYTHONUNBUFFERED": "1"}
        self.start("notifications", [sys.executable, "-m", "extracted.notifications", "serve"], env,
                   health=f"{self.notifications_url}/healthz")
        self.start("notifications-worker", [sys.executable, "-m", "extracted.notifications", "worker"], env)

    def stop_catalog(self) -> None:
        for name in ("catalog", "catalog-worker", "catalog-relay"):
            self.stop(name)

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is not None:
            process.stop()

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def logs(self) -> str:
        return "\n".join(f"--- {name}\n{p.log_tail(25)}" for name, p in self.processes.items())


@pytest.fixture(params=["sqlite", "postgres"])
def stack(request, tmp_path, redis_url):
    with ExitStack() as resources:
        if request.param == "postgres":
            server = request.getfixturevalue("postgres_server_url")
            monolith_db = request.getfixturevalue("postgres_database")
            catalog_db = resources.enter_context(postgres_database_at(server))
            notifications_db = resources.enter_context(postgres_database_at(server))
        else:
            monolith_db, catalog_db, notifications_db = (
                f"sqlite:///{tmp_path / name}.sqlite3" for name in ("monolith", "catalog", "notifications"))
        shop = Stack(tmp_path, redis_url, monolith_db, catalog_db, notifications_db)
        resources.callback(shop.stop_all)
        shop.manage("migrate", "--noinput", "-v0")
        yield shop


@pytest.fixture
def http():
    with httpx.Client(timeout=30) as client:
        yield client


def login(http: httpx.Client, stack: Stack, email: str) -> dict[str, str]:
    response = http.post(f"{stack.monolith_url}/api/v1/accounts/login/",
                         json={"email": email, "password": "demo-password-1"})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access']}"}
