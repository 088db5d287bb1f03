"""The extracted coupons service: the monolith's coupons API, its own database.

`create_app(config)` builds the Flask app (application factory); `python -m
extracted.coupons` serves it on 8003. Its coupons come from the monolith by
`strangler data backfill coupons`; the welcome coupon job stays in the monolith
until this service consumes UserSignedUp itself (the next step of the migration).
"""
from __future__ import annotations

from extracted.common.app import ServiceFlask, runtime_app
from extracted.coupons.config import CouponsConfig, read_config
from extracted.coupons.runtime import CouponsRuntime

__all__ = ["create_app"]


def create_app(config: CouponsConfig | None = None, *, init_schema: bool = True) -> ServiceFlask:
    """Build the coupons service; `config` defaults to the environment's."""
    from extracted.coupons.api import bp as api_bp
    from extracted.coupons.internal import data_bp

    runtime = CouponsRuntime.build(config or read_config())
    if init_schema:
        runtime.init_schema()
    return runtime_app(__name__, runtime, blueprints=[api_bp, data_bp])
