"""The service side of a data migration: its internal endpoints' work.

A backfill batch and the watermark that says how far it got commit in one
transaction: a service killed mid-batch keeps neither, and the next run starts
from the last batch that committed. The batch names the watermark it continues
from, so two backfills racing each other cannot interleave (409).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from extracted.common.db import insert_ignoring_conflicts, utc_now
from extracted.common.errors import BadRequest, Conflict, DependencyMissing
from extracted.common.migration.spec import range_summaries

__all__ = [
    "MAX_BATCH",
    "MAX_RANGES",
    "TargetTable",
    "backfill_apply",
    "backfill_reset",
    "backfill_state",
    "reconcile_bounds",
    "reconcile_ranges",
    "reconcile_rows",
]

MAX_BATCH = 5000
MAX_RANGES = 10000
MAX_ROWS_SPAN = 100_000


@dataclass(frozen=True)
class TargetTable:
    """One of the service's tables, as the migration fills and checks it."""

    name: str
    model: type
    canonical: Callable[[Any], dict[str, Any]]     # model instance -> row form
    apply: Callable[[Session, dict[str, Any]], bool]  # upsert a row form; True when it changed
    order_by: tuple = ()


def _watermark(tx: Session, watermark_model: type, table: str, *, lock: bool):
    insert_ignoring_conflicts(tx, watermark_model,
                              {"table": table, "last_id": 0, "rows_copied": 0, "updated_at": utc_now()})
    query = select(watermark_model).where(watermark_model.table == table)
    if lock:
        query = query.with_for_update()
    return tx.scalars(query.execution_options(populate_existing=True)).one()


def backfill_state(tx: Session, watermark_model: type, table: TargetTable) -> dict[str, Any]:
    mark = _watermark(tx, watermark_model, table.name, lock=False)
    return {"table": table.name, "last_id": mark.last_id, "rows_copied": mark.rows_copied}


def backfill_reset(tx: Session, watermark_model: type, table: TargetTable) -> dict[str, Any]:
    mark = _watermark(tx, watermark_model, table.name, lock=True)
    mark.last_id, mark.updated_at = 0, utc_now()
    return {"table": table.name, "last_id": 0, "rows_copied": mark.rows_copied}


def _checked_rows(after: Any, rows: Any) -> list[dict[str, Any]]:
    if not isinstance(after, int) or isinstance(after, bool) or after < 0:
        raise BadRequest("`after` must be the watermark this batch continues from (an integer >= 0).")
    if not isinstance(rows, list) or not rows or len(rows) > MAX_BATCH:
        raise BadRequest(f"`rows` must be a list of 1 to {MAX_BATCH} rows.")
    previous = after
    for index, row in enumerate(rows):
        row_id = row.get("id") if isinstance(row, dict) else None
        if not isinstance(row_id, int) or isinstance(row_id, bool) or row_id <= previous:
            raise BadRequest(f"row {index} needs an integer `id` above {previous} (rows go in id order).")
        previous = row_id
    return rows


def backfill_apply(tx: Session, watermark_model: type, table: TargetTable, *, after: Any,
                   rows: Any) -> dict[str, Any]:
    """Apply one batch and move the watermark to its last id, or change nothing."""
    rows = _checked_rows(after, rows)
    mark = _watermark(tx, watermark_model, table.name, lock=True)
    if mark.last_id != after:
        raise Conflict(
            f"The {table.name} watermark is at {mark.last_id}, not {after}: another backfill moved it.",
            details={"after": [str(mark.last_id)]},
        )
    changed = 0
    for index, row in enumerate(rows):
        try:
            changed += bool(table.apply(tx, row))
        except DependencyMissing:
            raise
        except (KeyError, TypeError, ValueError, ArithmeticError) as error:
            raise BadRequest(f"row {index} (id {row['id']}) is malformed: {error!r}") from None
    mark.last_id = rows[-1]["id"]
    mark.rows_copied += len(rows)
    mark.updated_at = utc_now()
    return {"table": table.name, "last_id": mark.last_id, "applied": changed,
            "unchanged": len(rows) - changed}


def _int_arg(body: Any, name: str, *, low: int = 0) -> int:
    value = body.get(name) if isinstance(body, dict) else None
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise BadRequest(f"`{name}` must be an integer >= {low}.")
    return value


def reconcile_bounds(tx: Session, table: TargetTable) -> dict[str, Any]:
    model = table.model
    count, low, high = tx.execute(select(func.count(), func.min(model.id), func.max(model.id))).one()
    return {"table": table.name, "count": count, "min_id": low, "max_id": high}


def _rows(tx: Session, table: TargetTable, start: int, end: int) -> list[dict[str, Any]]:
    model = table.model
    query = select(model).where(model.id >= start, model.id <= end).order_by(model.id)
    return [table.canonical(item) for item in tx.scalars(query)]


def reconcile_ranges(tx: Session, table: TargetTable, body: Any) -> dict[str, Any]:
    start, end, size = _int_arg(body, "start"), _int_arg(body, "end"), _int_arg(body, "size", low=1)
    if end < start or (end - start) // size + 1 > MAX_RANGES:
        raise BadRequest(f"Ask for `start` <= `end` and at most {MAX_RANGES} ranges.")
    return {"ranges": range_summaries(_rows(tx, table, start, end), start=start, end=end, size=size)}


def reconcile_rows(tx: Session, table: TargetTable, body: Any) -> dict[str, Any]:
    start, end = _int_arg(body, "start"), _int_arg(body, "end")
    if end < start or end - start > MAX_ROWS_SPAN:
        raise BadRequest(f"Ask for `start` <= `end`, at most {MAX_ROWS_SPAN} ids apart.")
    return {"rows": _rows(tx, table, start, end)}
