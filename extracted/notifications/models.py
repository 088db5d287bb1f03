"""The notifications service's own tables.

A message's natural key (user, kind, ref: one welcome per user, one confirmation
per order) is unique, and the inbox records each event handled, so an event
delivered twice writes one message.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from extracted.common.db import UTCDateTime, utc_now
from extracted.common.models import BigId, Inbox, Watermark

__all__ = ["BackfillWatermark", "Base", "InboxEntry", "Message"]


class Base(DeclarativeBase):
    pass


class Message(Base):
    __tablename__ = "notifications_messages"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "ref", name="notifications_one_message_per_ref"),
        Index("notifications_by_user", "user_id", "created_at"),
    )
    WELCOME = "welcome"
    ORDER_CONFIRMATION = "order_confirmation"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class InboxEntry(Inbox, Base):
    __tablename__ = "notifications_inbox"


class BackfillWatermark(Watermark, Base):
    __tablename__ = "notifications_backfill_watermarks"
