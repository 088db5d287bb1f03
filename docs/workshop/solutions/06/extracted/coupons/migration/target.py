"""The coupons service's end of the migration: how a copied coupon lands.

A coupon is copied by id. The monolith still redeems coupons (inside its order
transaction), so until that moves here its copy wins: a re-run of the backfill
brings `used_at` over.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from extracted.common.db import insert_ignoring_conflicts, reset_id_sequence
from extracted.common.migration.target import TargetTable
from extracted.common.values import parse_time
from extracted.coupons.migration.tables import coupon_row
from extracted.coupons.models import BackfillWatermark, Coupon

__all__ = ["TABLES", "WATERMARKS"]

WATERMARKS = BackfillWatermark


def _apply_coupon(tx: Session, row: dict[str, Any]) -> bool:
    values = {"id": int(row["id"]), "user_id": int(row["user_id"]), "code": str(row["code"]),
              "kind": str(row["kind"]), "percent_off": int(row["percent_off"]),
              "created_at": parse_time(row["created_at"]),
              "used_at": parse_time(row["used_at"]) if row["used_at"] else None}
    if insert_ignoring_conflicts(tx, Coupon, values):
        reset_id_sequence(tx, Coupon.__tablename__)
        return True
    coupon = tx.get(Coupon, values["id"], with_for_update=True)
    if coupon is None:
        return False  # the same code under another id: keep ours
    changed = False
    for name, value in values.items():
        if getattr(coupon, name) != value:
            setattr(coupon, name, value)
            changed = True
    return changed


def _coupon_model_row(coupon: Coupon) -> dict[str, Any]:
    return coupon_row({c: getattr(coupon, c) for c in (
        "id", "user_id", "code", "kind", "percent_off", "created_at", "used_at")})


TABLES = {"coupons": TargetTable("coupons", Coupon, _coupon_model_row, _apply_coupon)}
