"""The catalog service's own tables.

Prices are whole cents (exact on SQLite and PostgreSQL alike). A deleted product
leaves a tombstone with its last version, so a late copy of the old row can never
bring it back. The outbox and inbox make its events exactly-once in effect.
"""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from extracted.common.db import UTCDateTime, utc_now
from extracted.common.models import BigId, Inbox, Watermark

__all__ = [
    "Base",
    "BackfillWatermark",
    "Category",
    "InboxEntry",
    "OutboxEvent",
    "Product",
    "ProductTombstone",
    "Reservation",
    "ReservationLine",
]


class Base(DeclarativeBase):
    pass


class Category(Base):
    __tablename__ = "catalog_categories"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)


class Product(Base):
    __tablename__ = "catalog_products"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    price_cents: Mapped[int] = mapped_column(BigInteger, index=True)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("catalog_categories.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    category: Mapped[Category | None] = relationship(lazy="selectin")


class ProductTombstone(Base):
    __tablename__ = "catalog_product_tombstones"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer)
    deleted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)


class Reservation(Base):
    """Stock taken for one order, under the order's idempotency key."""

    __tablename__ = "catalog_reservations"
    ACTIVE = "active"
    RELEASED = "released"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)

    lines: Mapped[list["ReservationLine"]] = relationship(
        cascade="all, delete-orphan", order_by="ReservationLine.position", lazy="selectin")


class ReservationLine(Base):
    __tablename__ = "catalog_reservation_lines"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reservation_key: Mapped[str] = mapped_column(ForeignKey("catalog_reservations.key", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)


class OutboxEvent(Base):
    """An event written in the same transaction as the change; the relay publishes it."""

    __tablename__ = "catalog_outbox"

    position: Mapped[int] = mapped_column(BigId, primary_key=True)
    id: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid.uuid4()))
    aggregate_type: Mapped[str] = mapped_column(String(64))
    aggregate_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")


class InboxEntry(Inbox, Base):
    __tablename__ = "catalog_inbox"


class BackfillWatermark(Watermark, Base):
    __tablename__ = "catalog_backfill_watermarks"
