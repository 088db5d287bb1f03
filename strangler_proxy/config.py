"""The proxy's settings, read from the environment in this one place.

Every variable has a safe local default, so `strangler proxy` runs with none set:

    STRANGLER_ROUTES               route file                       ./strangler.toml
    STRANGLER_ADMIN_TOKEN          admin API bearer token; also signs QA overrides and cookies
    STRANGLER_ADMIN_TOKEN_FILE     file holding the token (wins over the variable)
    STRANGLER_STORE                route store: a SQLite path, sqlite:///path or redis://...
                                   default: REDIS_URL if set, else .var/strangler-routes.sqlite3
    REDIS_URL                      Redis for the store when STRANGLER_STORE is not set
    STRANGLER_REDIS_PREFIX         key prefix in Redis                strangler:
    STRANGLER_PROXY_HOST/PORT      listen address                     127.0.0.1:8080
    STRANGLER_PROXY_WORKERS        worker processes                   1
    STRANGLER_BODY_LIMIT           request body limit, bytes          10485760 (10 MiB)
    STRANGLER_REPLAY_BUFFER        bytes of a body kept to replay a safe request on fallback  1048576
    STRANGLER_TRUSTED_HOPS         proxies in front whose X-Forwarded-* are believed   0
    STRANGLER_JWT_SECRET           HS256 key of the monolith's tokens  (the monolith's dev default)
    STRANGLER_JWT_ISSUER           expected `iss` claim               strangler-monolith
    STRANGLER_STORE_POLL_SECONDS   SQLite version poll interval       0.25
    STRANGLER_ROUTES_POLL_SECONDS  route file change poll interval    1.0
    STRANGLER_ACCESS_LOG           one JSON line per request (1/0)    1
    STRANGLER_LOG_LEVEL            logging level                      INFO
    STRANGLER_MIRROR_QUEUE         shadow requests waiting to be mirrored   1000
    STRANGLER_MIRROR_BODY_LIMIT    bytes of a body captured for the shadow hook   65536
    STRANGLER_BACKEND_<NAME>_URLS  comma-separated URLs replacing a backend's `urls`
                                   (<NAME> upper-cased, '-' as '_'), e.g. STRANGLER_BACKEND_CATALOG_URLS
    STRANGLER_DASHBOARD_SAMPLE_SECONDS   dashboard time-series interval, whole seconds; 0: off   10
    STRANGLER_DASHBOARD_RETENTION_HOURS  hours of dashboard samples kept     24
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from strangler_proxy.errors import ConfigError

__all__ = ["DEV_JWT_SECRET", "ProxySettings", "backend_env_name", "env_switch"]

# The monolith's development default (monolith/settings/env.py): its tokens must verify here.
DEV_JWT_SECRET = "dev-insecure-jwt-secret-change-me-in-production"
# Signs the sticky-canary cookie when no admin token is configured; a cookie forged
# with it only lets a client choose its own canary bucket, never a backend.
_DEV_COOKIE_SECRET = "dev-insecure-cookie-secret"
_DEFAULT_SQLITE = ".var/strangler-routes.sqlite3"


def backend_env_name(backend: str) -> str:
    """Return the variable that overrides a backend's URLs."""
    return f"STRANGLER_BACKEND_{backend.upper().replace('-', '_')}_URLS"


@dataclass(frozen=True)
class ProxySettings:
    """Everything the proxy and the `strangler` commands read from the environment."""

    routes_file: Path = Path("strangler.toml")
    admin_token: str | None = None
    store_url: str = f"sqlite:///{_DEFAULT_SQLITE}"
    redis_prefix: str = "strangler:"
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    body_limit: int = 10 * 1024 * 1024
    replay_buffer: int = 1024 * 1024
    trusted_hops: int = 0
    jwt_secret: str = DEV_JWT_SECRET
    jwt_issuer: str | None = "strangler-monolith"
    store_poll_seconds: float = 0.25
    routes_poll_seconds: float = 1.0
    access_log: bool = True
    log_level: str = "INFO"
    mirror_queue: int = 1000
    mirror_body_limit: int = 64 * 1024
    backend_urls: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    dashboard_sample_seconds: int = 10
    dashboard_retention_hours: float = 24.0

    @property
    def store_kind(self) -> str:
        """Return "redis" or "sqlite"."""
        return "redis" if self.store_url.startswith(("redis://", "rediss://", "unix://")) else "sqlite"

    @property
    def sqlite_path(self) -> Path:
        """Return the SQLite file of a sqlite store."""
        return Path(self.store_url.removeprefix("sqlite:///").removeprefix("sqlite://"))

    @property
    def signing_secret(self) -> str:
        """Return the secret that signs QA overrides and the sticky cookie."""
        return self.admin_token or _DEV_COOKIE_SECRET

    def with_overrides(self, **changes: object) -> ProxySettings:
        """Return a copy with some fields replaced (command-line options win over the environment)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ProxySettings:
        """Read the settings; raise ConfigError naming the variable on a bad value."""
        env = os.environ if environ is None else environ
        return cls(
            routes_file=Path(env.get("STRANGLER_ROUTES") or "strangler.toml"),
            admin_token=_admin_token(env),
            store_url=_store_url(env),
            redis_prefix=env.get("STRANGLER_REDIS_PREFIX") or "strangler:",
            host=env.get("STRANGLER_PROXY_HOST") or "127.0.0.1",
            port=_int(env, "STRANGLER_PROXY_PORT", 8080, low=0, high=65535),
            workers=_int(env, "STRANGLER_PROXY_WORKERS", 1, low=1, high=256),
            body_limit=_int(env, "STRANGLER_BODY_LIMIT", 10 * 1024 * 1024, low=0),
            replay_buffer=_int(env, "STRANGLER_REPLAY_BUFFER", 1024 * 1024, low=0),
            trusted_hops=_int(env, "STRANGLER_TRUSTED_HOPS", 0, low=0, high=32),
            jwt_secret=env.get("STRANGLER_JWT_SECRET") or DEV_JWT_SECRET,
            jwt_issuer=env.get("STRANGLER_JWT_ISSUER", "strangler-monolith") or None,
            store_poll_seconds=_float(env, "STRANGLER_STORE_POLL_SECONDS", 0.25, low=0.01),
            routes_poll_seconds=_float(env, "STRANGLER_ROUTES_POLL_SECONDS", 1.0, low=0.05),
            access_log=env_switch(env, "STRANGLER_ACCESS_LOG", True),
            log_level=(env.get("STRANGLER_LOG_LEVEL") or "INFO").upper(),
            mirror_queue=_int(env, "STRANGLER_MIRROR_QUEUE", 1000, low=1),
            mirror_body_limit=_int(env, "STRANGLER_MIRROR_BODY_LIMIT", 64 * 1024, low=0),
            backend_urls=_backend_urls(env),
            dashboard_sample_seconds=_int(env, "STRANGLER_DASHBOARD_SAMPLE_SECONDS", 10, low=0, high=3600),
            dashboard_retention_hours=_float(env, "STRANGLER_DASHBOARD_RETENTION_HOURS", 24.0, low=0.1),
        )


def _admin_token(env: Mapping[str, str]) -> str | None:
    path = env.get("STRANGLER_ADMIN_TOKEN_FILE")
    if path:
        try:
            token = Path(path).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ConfigError(f"STRANGLER_ADMIN_TOKEN_FILE: cannot read {path}: {error.strerror}") from None
        if not token:
            raise ConfigError(f"STRANGLER_ADMIN_TOKEN_FILE: {path} is empty")
        return token
    return env.get("STRANGLER_ADMIN_TOKEN") or None


def _store_url(env: Mapping[str, str]) -> str:
    raw = env.get("STRANGLER_STORE") or env.get("REDIS_URL") or _DEFAULT_SQLITE
    if "://" not in raw:
        return f"sqlite:///{raw}"
    if raw.startswith(("sqlite://", "redis://", "rediss://", "unix://")):
        return raw
    raise ConfigError(f"STRANGLER_STORE: expected a SQLite path, sqlite:///path or redis://..., got {raw!r}")


def _int(env: Mapping[str, str], name: str, default: int, *, low: int, high: int | None = None) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name}: expected an integer, got {raw!r}") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ConfigError(f"{name}: must be {bound}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, *, low: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        raise ConfigError(f"{name}: expected a number, got {raw!r}") from None
    if not value >= low:
        raise ConfigError(f"{name}: must be at least {low}, got {raw}")
    return value


def env_switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    """Read an on/off variable; raise ConfigError naming it on anything else."""
    raw = (env.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}: expected 1/0, true/false, yes/no or on/off, got {raw!r}")


def _backend_urls(env: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    urls: dict[str, tuple[str, ...]] = {}
    for name, raw in env.items():
        if name.startswith("STRANGLER_BACKEND_") and name.endswith("_URLS") and raw.strip():
            key = name.removeprefix("STRANGLER_BACKEND_").removesuffix("_URLS")
            urls[key] = tuple(part.strip() for part in raw.split(",") if part.strip())
    return urls
