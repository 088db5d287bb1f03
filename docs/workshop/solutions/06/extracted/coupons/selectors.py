"""Reads of the coupons service: a user's coupons, newest first (the monolith's order)."""
from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from extracted.coupons.models import Coupon

__all__ = ["coupon_count", "coupon_list"]


def _mine(user_id: int) -> Select:
    return select(Coupon).where(Coupon.user_id == user_id)


def coupon_count(session: Session, *, user_id: int) -> int:
    return session.scalar(select(func.count()).select_from(_mine(user_id).subquery())) or 0


def coupon_list(session: Session, *, user_id: int, offset: int = 0, limit: int = 20) -> list[Coupon]:
    query = _mine(user_id).order_by(Coupon.created_at.desc(), Coupon.id.desc())
    return list(session.scalars(query.offset(offset).limit(limit)))
