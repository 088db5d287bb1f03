"""Reads of the notifications service."""
from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from extracted.notifications.models import Message

__all__ = ["message_count", "message_list"]


def _mine(user_id: int, unread: bool) -> Select:
    query = select(Message).where(Message.user_id == user_id)
    return query.where(Message.read_at.is_(None)) if unread else query


def message_count(session: Session, *, user_id: int, unread: bool = False) -> int:
    return session.scalar(select(func.count()).select_from(_mine(user_id, unread).subquery())) or 0


def message_list(session: Session, *, user_id: int, unread: bool = False, offset: int = 0,
                 limit: int = 20) -> list[Message]:
    query = _mine(user_id, unread).order_by(Message.created_at.desc(), Message.id.desc())
    return list(session.scalars(query.offset(offset).limit(limit)))
