"""The coupons table as the migration moves and compares it."""
from __future__ import annotations

from typing import Any, Mapping

from extracted.common.migration.spec import ContextSpec, TableSpec
from extracted.common.values import stable_time

__all__ = ["COUPONS", "COUPONS_TABLE", "coupon_row"]


def coupon_row(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": int(values["id"]),
        "user_id": int(values["user_id"]),
        "code": values["code"],
        "kind": values["kind"],
        "percent_off": int(values["percent_off"]),
        "created_at": stable_time(values["created_at"]),
        "used_at": stable_time(values["used_at"]),
    }


COUPONS_TABLE = TableSpec("coupons", "coupons_coupon",
                          ("id", "user_id", "code", "kind", "percent_off", "created_at", "used_at"), coupon_row)
COUPONS = ContextSpec("coupons", "/internal/v1/coupons", (COUPONS_TABLE,))
