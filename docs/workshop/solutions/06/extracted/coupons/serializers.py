"""The coupon shape: the same as the monolith's CouponOutput."""
from __future__ import annotations

from extracted.common.values import api_time
from extracted.coupons.models import Coupon

__all__ = ["coupon_json"]


def coupon_json(coupon: Coupon) -> dict:
    return {"id": coupon.id, "code": coupon.code, "kind": coupon.kind, "percent_off": coupon.percent_off,
            "created_at": api_time(coupon.created_at), "used_at": api_time(coupon.used_at)}
