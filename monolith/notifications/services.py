"""Writes of the notifications context."""
from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from monolith.common.errors import NotFound
from monolith.notifications import texts
from monolith.notifications.models import Message
from monolith.outbox.services import inbox_claim

__all__ = ["message_mark_read", "message_send_order_confirmation", "message_send_welcome"]


def _send_once(*, consumer: str, event_id: str, user_id: int, kind: str, ref: str,
               title: str, body: str) -> Message | None:
    with transaction.atomic():
        if not inbox_claim(consumer=consumer, event_id=event_id):
            return None
        try:
            with transaction.atomic():
                return Message.objects.create(user_id=user_id, kind=kind, ref=ref, title=title, body=body)
        except IntegrityError:
            return None


def message_send_welcome(*, user_id: int, name: str, event_id: str) -> Message | None:
    title, body = texts.welcome(name)
    return _send_once(consumer="notifications.welcome", event_id=event_id, user_id=user_id,
                      kind=Message.WELCOME, ref="welcome", title=title, body=body)


def message_send_order_confirmation(*, user_id: int, order_id: int, total: str,
                                    event_id: str) -> Message | None:
    title, body = texts.order_confirmation(order_id, total)
    return _send_once(consumer="notifications.order_confirmation", event_id=event_id,
                      user_id=user_id, kind=Message.ORDER_CONFIRMATION, ref=f"order:{order_id}",
                      title=title, body=body)


def message_mark_read(*, user_id: int, message_id: int) -> Message:
    message = Message.objects.filter(pk=message_id, user_id=user_id).first()
    if message is None:
        raise NotFound("No such message.")
    if message.read_at is None:
        message.read_at = timezone.now()
        message.save(update_fields=["read_at"])
    return message
