"""The notifications' tables as the migration moves and compares them."""
from __future__ import annotations

from typing import Any, Mapping

from extracted.common.migration.spec import ContextSpec, TableSpec
from extracted.common.values import stable_time

__all__ = ["MESSAGES", "NOTIFICATIONS", "message_row"]


def message_row(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": int(values["id"]),
        "user_id": int(values["user_id"]),
        "kind": values["kind"],
        "ref": values["ref"],
        "title": values["title"],
        "body": values["body"],
        "created_at": stable_time(values["created_at"]),
        "read_at": stable_time(values["read_at"]),
    }


MESSAGES = TableSpec("messages", "notifications_message",
                     ("id", "user_id", "kind", "ref", "title", "body", "created_at", "read_at"), message_row)
NOTIFICATIONS = ContextSpec("notifications", "/internal/v1/notifications", (MESSAGES,))
