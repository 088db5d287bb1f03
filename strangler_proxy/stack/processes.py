"""The processes of the stack: one list, used by `strangler up` and checked against compose.

Each process has a name, a command, the port it serves (if any) and its health path.
"""
from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["StackProcess", "StackSettings", "stack_environment", "stack_processes", "stack_settings"]

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class StackSettings:
    """Where the stack keeps its data and which servers it uses (environment, with defaults)."""

    var_dir: Path
    database_url: str | None
    redis_url: str | None
    host: str = "127.0.0.1"
    ports: dict[str, int] = field(default_factory=dict)

    @property
    def broker_description(self) -> str:
        return f"Redis at {self.redis_url}" if self.redis_url else (
            f"the embedded filesystem broker in {self.var_dir / 'broker'} (no server needed)")

    @property
    def database_description(self) -> str:
        return self.database_url or f"SQLite files in {self.var_dir}"


def stack_settings(environ: dict[str, str] | None = None) -> StackSettings:
    env = os.environ if environ is None else environ
    return StackSettings(
        var_dir=Path(env.get("STRANGLER_VAR_DIR", ROOT / ".var")).resolve(),
        database_url=env.get("DATABASE_URL") or None,
        redis_url=env.get("REDIS_URL") or None,
        host=env.get("STRANGLER_HOST", "127.0.0.1"),
        ports={
            "proxy": int(env.get("STRANGLER_PROXY_PORT", "8080")),
            "monolith": int(env.get("MONOLITH_PORT", "8000")),
            "catalog": int(env.get("CATALOG_PORT", "8001")),
            "notifications": int(env.get("NOTIFICATIONS_PORT", "8002")),
        },
    )


@dataclass(frozen=True)
class StackProcess:
    name: str
    argv: tuple[str, ...]
    port: int | None = None
    health_path: str | None = None
    env: dict[str, str] = field(default_factory=dict)

    @property
    def command(self) -> str:
        return " ".join(shlex.quote(part) for part in self.argv)

    def health_url(self, host: str) -> str | None:
        if self.port is None or self.health_path is None:
            return None
        return f"http://{host}:{self.port}{self.health_path}"


def stack_environment(settings: StackSettings) -> dict[str, str]:
    """Variables every process gets, so each one finds the others on the chosen ports."""
    host, ports = settings.host, settings.ports
    urls = {name: f"http://{host}:{ports[name]}" for name in ("monolith", "catalog", "notifications")}
    return {
        "STRANGLER_VAR_DIR": str(settings.var_dir),
        "STRANGLER_BACKEND_MONOLITH_URLS": urls["monolith"],
        "STRANGLER_BACKEND_CATALOG_URLS": urls["catalog"],
        "STRANGLER_BACKEND_NOTIFICATIONS_URLS": urls["notifications"],
        "STRANGLER_CATALOG_SERVICE_URL": urls["catalog"],
        "STRANGLER_NOTIFICATIONS_SERVICE_URL": urls["notifications"],
    }


def _python(*args: str) -> tuple[str, ...]:
    return (sys.executable, *args)


def stack_processes(settings: StackSettings) -> list[StackProcess]:
    """Every long-running process of the stack, in start order."""
    from monolith.outbox.subscribers import all_queues

    host, ports = settings.host, settings.ports
    return [
        StackProcess(
            "monolith",
            _python("-m", "gunicorn", "monolith.wsgi:application", "--bind", f"{host}:{ports['monolith']}",
                    "--workers", "2", "--threads", "4", "--access-logfile", "-"),
            port=ports["monolith"], health_path="/healthz",
        ),
        # A prefork pool: a pool child killed mid-job (the workshop's module 5) is replaced and its
        # job given back (acks_late + reject_on_worker_lost); the main process, which honcho
        # watches, stays up.
        StackProcess(
            "worker",
            _python("-m", "celery", "-A", "monolith.celery", "worker", "--loglevel", "INFO",
                    "--pool", "prefork", "--concurrency", "2", "--queues", ",".join(all_queues())),
        ),
        StackProcess("relay", _python("-m", "strangler_proxy.cli", "jobs", "relay")),
        StackProcess("catalog", _python("-m", "extracted.catalog", "serve"),
                     port=ports["catalog"], health_path="/healthz",
                     env={"CATALOG_HOST": host, "CATALOG_PORT": str(ports["catalog"])}),
        StackProcess("catalog-worker", _python("-m", "extracted.catalog", "worker")),
        StackProcess("catalog-relay", _python("-m", "extracted.catalog", "relay")),
        StackProcess("notifications", _python("-m", "extracted.notifications", "serve"),
                     port=ports["notifications"], health_path="/healthz",
                     env={"NOTIFICATIONS_HOST": host, "NOTIFICATIONS_PORT": str(ports["notifications"])}),
        StackProcess("notifications-worker", _python("-m", "extracted.notifications", "worker")),
        StackProcess("proxy", _python("-m", "strangler_proxy.cli", "proxy"),
                     port=ports["proxy"], health_path="/_strangler/",
                     env={"STRANGLER_PROXY_HOST": host, "STRANGLER_PROXY_PORT": str(ports["proxy"])}),
    ]
