"""The notifications service's end of the migration: how a copied message lands.

A message is copied by id. Once read, it stays read: a copy that still says
unread (the monolith's, from before the route moved) never clears a read mark
made here. A message this service already wrote under the same natural key (an
event both sides saw during the handover) is kept, and the copy skipped.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from extracted.common.db import insert_ignoring_conflicts, reset_id_sequence
from extracted.common.migration.target import TargetTable
from extracted.common.values import parse_time
from extracted.notifications.migration.tables import message_row
from extracted.notifications.models import BackfillWatermark, Message

__all__ = ["TABLES", "WATERMARKS"]

WATERMARKS = BackfillWatermark


def _apply_message(tx: Session, row: dict[str, Any]) -> bool:
    values = {"id": int(row["id"]), "user_id": int(row["user_id"]), "kind": str(row["kind"]),
              "ref": str(row["ref"]), "title": str(row["title"]), "body": str(row["body"]),
              "created_at": parse_time(row["created_at"]),
              "read_at": parse_time(row["read_at"]) if row["read_at"] else None}
    if insert_ignoring_conflicts(tx, Message, values):
        reset_id_sequence(tx, Message.__tablename__)
        return True
    message = tx.get(Message, values["id"], with_for_update=True)
    if message is None:
        return False  # the same message under another id, written here: keep ours
    read_at = message.read_at or values["read_at"]
    changed = False
    for name, value in {**values, "read_at": read_at}.items():
        if getattr(message, name) != value:
            setattr(message, name, value)
            changed = True
    return changed


def _message_model_row(message: Message) -> dict[str, Any]:
    return message_row({c: getattr(message, c) for c in (
        "id", "user_id", "kind", "ref", "title", "body", "created_at", "read_at")})


TABLES = {"messages": TargetTable("messages", Message, _message_model_row, _apply_message)}
