"""Tables every service keeps the same way, each under its own name.

Mix them into the service's declarative base:

    class InboxEntry(Inbox, Base):
        __tablename__ = "catalog_inbox"          # unique (consumer, event_id): catalog_inbox_once

    class BackfillWatermark(Watermark, Base):
        __tablename__ = "catalog_backfill_watermarks"
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Integer, String, UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column

from extracted.common.db import UTCDateTime, utc_now

__all__ = ["BigId", "Inbox", "Watermark", "inbox_claim"]

# SQLite only auto-numbers an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer, "sqlite")


class Inbox:
    """One row per (consumer, event) applied, written with the effect."""

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (UniqueConstraint("consumer", "event_id", name=f"{cls.__tablename__}_once"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    consumer: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(64))
    processed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)


class Watermark:
    """How far a backfill got: the last source id copied, committed with the batch."""

    table: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_copied: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)


def inbox_claim(tx: Session, inbox: type[Inbox], *, consumer: str, event_id: str) -> bool:
    """Record that `consumer` handled `event_id`, in the caller's transaction; False if it had."""
    try:
        with tx.begin_nested():
            tx.add(inbox(consumer=consumer, event_id=str(event_id)))
    except IntegrityError:
        return False
    return True
