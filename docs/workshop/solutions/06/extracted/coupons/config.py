"""Every setting of the coupons service, read from the environment in this one place.

It reads what every service reads, under COUPONS_ (extracted/common/settings.py):
COUPONS_DATABASE_URL (sqlite:///$STRANGLER_VAR_DIR/coupons.sqlite3, or postgresql://user@host/db),
COUPONS_HOST / COUPONS_PORT (127.0.0.1:8003), COUPONS_WORKERS / _THREADS, COUPONS_ALLOWED_HOSTS,
COUPONS_MAX_BODY_BYTES, STRANGLER_JWT_SECRET / STRANGLER_JWT_ISSUER and STRANGLER_VAR_DIR.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import ClassVar, Mapping

from extracted.common.settings import ConfigError, ServiceConfig

__all__ = ["ConfigError", "CouponsConfig", "read_config"]


@dataclass(frozen=True, kw_only=True)
class CouponsConfig(ServiceConfig):
    service: ClassVar[str] = "coupons"

    port: int = 8003


def read_config(environ: Mapping[str, str] | None = None) -> CouponsConfig:
    env = os.environ if environ is None else environ
    return CouponsConfig.from_env(env)
