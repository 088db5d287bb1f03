"""Writes of the notifications service: messages from events, read marks from users."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from extracted.common.db import utc_now
from extracted.common.errors import NotFound
from extracted.common.models import inbox_claim
from extracted.notifications import texts
from extracted.notifications.models import InboxEntry, Message

__all__ = ["CONSUMER", "event_handle", "message_mark_read"]

# The monolith's subscription name for this service (monolith/outbox/subscribers.py).
CONSUMER = "notifications.service"


def _send_once(tx: Session, *, user_id: int, kind: str, ref: str, title: str, body: str) -> Message | None:
    try:
        with tx.begin_nested():
            message = Message(user_id=user_id, kind=kind, ref=ref, title=title, body=body, created_at=utc_now())
            tx.add(message)
    except IntegrityError:  # this message exists already (natural key)
        return None
    return message


def event_handle(tx: Session, *, event_id: str, event_type: str, payload: dict[str, Any]) -> str:
    """Write the message an event calls for, once; return sent, duplicate or ignored."""
    if event_type not in ("UserSignedUp", "OrderPlaced"):
        return "ignored"
    if not inbox_claim(tx, InboxEntry, consumer=CONSUMER, event_id=event_id):
        return "duplicate"
    if event_type == "UserSignedUp":
        title, body = texts.welcome(payload.get("name", ""))
        message = _send_once(tx, user_id=int(payload["user_id"]), kind=Message.WELCOME, ref="welcome",
                             title=title, body=body)
    else:
        order_id = int(payload["order_id"])
        title, body = texts.order_confirmation(order_id, payload["total"])
        message = _send_once(tx, user_id=int(payload["user_id"]), kind=Message.ORDER_CONFIRMATION,
                             ref=f"order:{order_id}", title=title, body=body)
    return "sent" if message is not None else "duplicate"


def message_mark_read(tx: Session, *, user_id: int, message_id: int) -> Message:
    message = tx.scalars(select(Message).where(Message.id == message_id, Message.user_id == user_id)
                         .with_for_update()).first() if message_id < 2**63 else None
    if message is None:
        raise NotFound("No such message.")
    if message.read_at is None:
        message.read_at = utc_now()
    return message
