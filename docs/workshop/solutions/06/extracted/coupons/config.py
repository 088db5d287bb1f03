"""Every setting of the coupons service, read from the environment in this one place.

    COUPONS_DATABASE_URL          its own database   sqlite:///$STRANGLER_VAR_DIR/coupons.sqlite3
                                  (postgresql://user@host/db for PostgreSQL)
    STRANGLER_JWT_SECRET          HS256 key of the monolith's tokens (shared)
    STRANGLER_JWT_ISSUER          expected `iss` claim                             strangler-monolith
    COUPONS_HOST / COUPONS_PORT   where `python -m extracted.coupons` listens      127.0.0.1:8003
    COUPONS_WORKERS / _THREADS    gunicorn processes and threads each              2 / 4
    COUPONS_ALLOWED_HOSTS         comma-separated, like DJANGO_ALLOWED_HOSTS        *
    COUPONS_MAX_BODY_BYTES        request body limit                               1048576
    STRANGLER_VAR_DIR             local data folder                                ./.var
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

__all__ = ["ConfigError", "CouponsConfig", "read_config"]

ROOT = Path(__file__).resolve().parents[2]
# The monolith's development default (monolith/settings/env.py): its tokens must verify here too.
DEV_JWT_SECRET = "dev-insecure-jwt-secret-change-me-in-production"


class ConfigError(ValueError):
    """A setting has a value the service cannot use; the message names the variable."""


@dataclass(frozen=True)
class CouponsConfig:
    database_url: str
    jwt_secret: str = DEV_JWT_SECRET
    jwt_issuer: str = "strangler-monolith"
    host: str = "127.0.0.1"
    port: int = 8003
    workers: int = 2
    threads: int = 4
    allowed_hosts: tuple[str, ...] = ("*",)
    max_body_bytes: int = 1024 * 1024
    var_dir: Path = field(default_factory=lambda: ROOT / ".var")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}: expected an integer, got {raw!r}") from None


def read_config(environ: Mapping[str, str] | None = None) -> CouponsConfig:
    env = os.environ if environ is None else environ
    var_dir = Path(env.get("STRANGLER_VAR_DIR") or ROOT / ".var")
    return CouponsConfig(
        database_url=env.get("COUPONS_DATABASE_URL") or f"sqlite:///{var_dir / 'coupons.sqlite3'}",
        jwt_secret=env.get("STRANGLER_JWT_SECRET") or DEV_JWT_SECRET,
        jwt_issuer=env.get("STRANGLER_JWT_ISSUER") or "strangler-monolith",
        host=env.get("COUPONS_HOST") or "127.0.0.1",
        port=_int(env, "COUPONS_PORT", 8003),
        workers=_int(env, "COUPONS_WORKERS", 2),
        threads=_int(env, "COUPONS_THREADS", 4),
        allowed_hosts=tuple(h.strip() for h in (env.get("COUPONS_ALLOWED_HOSTS") or "*").split(",")),
        max_body_bytes=_int(env, "COUPONS_MAX_BODY_BYTES", 1024 * 1024),
        var_dir=var_dir,
    )
