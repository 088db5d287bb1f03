"""The coupons service's own tables: coupons by user id (no foreign key: users live elsewhere)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from extracted.common.db import UTCDateTime, utc_now
from extracted.common.models import BigId, Watermark

__all__ = ["BackfillWatermark", "Base", "Coupon"]


class Base(DeclarativeBase):
    pass


class Coupon(Base):
    __tablename__ = "coupons_coupons"
    __table_args__ = (Index("coupons_by_user", "user_id", "created_at"),)
    WELCOME = "welcome"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    percent_off: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class BackfillWatermark(Watermark, Base):
    __tablename__ = "coupons_backfill_watermarks"
