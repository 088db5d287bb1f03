"""The message shape: the same as the monolith's MessageOutput."""
from __future__ import annotations

from extracted.common.values import api_time
from extracted.notifications.models import Message

__all__ = ["message_json"]


def message_json(message: Message) -> dict:
    return {"id": message.id, "kind": message.kind, "title": message.title, "body": message.body,
            "created_at": api_time(message.created_at), "read_at": api_time(message.read_at)}
