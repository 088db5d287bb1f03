"""The settings every extracted service reads from the environment the same way.

A service names itself once (`service = "catalog"`) and its variables follow, so
the prefix is the same in the environment, the docs and the error messages:

    <NAME>_DATABASE_URL           its own database      sqlite:///$STRANGLER_VAR_DIR/<name>.sqlite3
    STRANGLER_JWT_SECRET          HS256 key of the monolith's tokens (shared)
    STRANGLER_JWT_ISSUER          expected `iss` claim                             strangler-monolith
    <NAME>_HOST / <NAME>_PORT     where `python -m extracted.<name>` listens       127.0.0.1:<its port>
    <NAME>_WORKERS / _THREADS     gunicorn processes and threads each              2 / 4
    <NAME>_ALLOWED_HOSTS          comma-separated, like DJANGO_ALLOWED_HOSTS       *
    <NAME>_MAX_BODY_BYTES         request body limit                               1048576
    STRANGLER_VAR_DIR             local data folder                                ./.var

A service with a worker adds `broker_url(env)` (CELERY_BROKER_URL, else REDIS_URL).
A value the service cannot use raises ConfigError naming the variable; the command
line turns it into one line and a non-zero exit.
"""
from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, ClassVar, Mapping, Self

__all__ = ["DEV_JWT_SECRET", "ROOT", "ConfigError", "ServiceConfig", "broker_url", "env_flag", "env_int"]

ROOT = Path(__file__).resolve().parents[2]
# The monolith's development default (monolith/settings/env.py): its tokens must verify here too.
DEV_JWT_SECRET = "dev-insecure-jwt-secret-change-me-in-production"
_FALSE = {"0", "false", "no", "off"}


class ConfigError(ValueError):
    """A setting has a value the service cannot use; the message names the variable."""


def env_int(env: Mapping[str, str], name: str, default: int) -> int:
    """The integer in `name`, `default` when it is unset or blank."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}: expected an integer, got {raw!r}") from None


def env_flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    """A 1/0 switch: anything but 0, false, no or off (any case) is on; unset is `default`."""
    if name not in env:
        return default
    return env[name].strip().lower() not in _FALSE


def broker_url(env: Mapping[str, str]) -> str:
    """The broker shared with the monolith; kombu's filesystem transport when none is set."""
    return env.get("CELERY_BROKER_URL") or env.get("REDIS_URL") or "filesystem://"


def _var_dir() -> Path:
    return ROOT / ".var"


@dataclass(frozen=True, kw_only=True)
class ServiceConfig:
    """What each service reads under its own prefix; subclasses set `service` and a default `port`."""

    service: ClassVar[str]

    database_url: str
    jwt_secret: str = DEV_JWT_SECRET
    jwt_issuer: str = "strangler-monolith"
    host: str = "127.0.0.1"
    port: int
    workers: int = 2
    threads: int = 4
    allowed_hosts: tuple[str, ...] = ("*",)
    max_body_bytes: int = 1024 * 1024
    var_dir: Path = field(default_factory=_var_dir)

    @classmethod
    def from_env(cls, env: Mapping[str, str], **own: Any) -> Self:
        """Read the shared settings under the service's prefix; `own` are the service's other fields."""
        prefix = cls.service.upper()
        var_dir = Path(env.get("STRANGLER_VAR_DIR") or _var_dir())
        return cls(
            database_url=env.get(f"{prefix}_DATABASE_URL") or f"sqlite:///{var_dir / f'{cls.service}.sqlite3'}",
            jwt_secret=env.get("STRANGLER_JWT_SECRET") or DEV_JWT_SECRET,
            jwt_issuer=env.get("STRANGLER_JWT_ISSUER") or "strangler-monolith",
            host=env.get(f"{prefix}_HOST") or "127.0.0.1",
            port=env_int(env, f"{prefix}_PORT", cls.default_port()),
            workers=env_int(env, f"{prefix}_WORKERS", 2),
            threads=env_int(env, f"{prefix}_THREADS", 4),
            allowed_hosts=tuple(h.strip() for h in (env.get(f"{prefix}_ALLOWED_HOSTS") or "*").split(",")),
            max_body_bytes=env_int(env, f"{prefix}_MAX_BODY_BYTES", 1024 * 1024),
            var_dir=var_dir,
            **own,
        )

    @classmethod
    def default_port(cls) -> int:
        """The port the service listens on when <NAME>_PORT is not set."""
        port = next(f for f in fields(cls) if f.name == "port")
        if port.default is MISSING:
            raise TypeError(f"{cls.__name__} must give `port` a default")
        return port.default

    def with_changes(self, **changes: object) -> Self:
        return replace(self, **changes)
