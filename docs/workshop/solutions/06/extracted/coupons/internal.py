"""Endpoints for `strangler data` only (the proxy does not route /internal)."""
from __future__ import annotations

from extracted.common.migration.views import migration_blueprint
from extracted.coupons.api import CouponsApi, runtime
from extracted.coupons.migration.target import TABLES, WATERMARKS

__all__ = ["data_bp"]

data_bp = migration_blueprint("coupons_data", "/internal/v1/coupons", base_view=CouponsApi,
                              database=lambda: runtime().db, tables=TABLES, watermarks=WATERMARKS)
