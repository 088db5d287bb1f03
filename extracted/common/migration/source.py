"""Reading a context's tables from the monolith's database, without disturbing it.

Reads go in id order, one short statement per batch (no long transaction, no
locks), so the monolith keeps serving while a backfill runs.
"""
from __future__ import annotations

import os
from typing import Any, Mapping

from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from extracted.common.db import sqlalchemy_url
from extracted.common.migration.errors import SourceUnavailable
from extracted.common.migration.spec import TableSpec

__all__ = ["MonolithSource"]


class MonolithSource:
    """The monolith's database at `url` (its DATABASE_URL), read-only."""

    def __init__(self, url: str):
        self.url = url
        engine_url = sqlalchemy_url(url)
        args = {"timeout": 30} if engine_url.startswith("sqlite") else {}
        if engine_url.startswith("sqlite"):
            path = engine_url.split("///", 1)[-1]
            if not os.path.exists(path):
                raise SourceUnavailable(f"the monolith's database {path} does not exist")
        self._engine = create_engine(engine_url, connect_args=args)

    def _rows(self, sql: str, **params: Any) -> list[Mapping[str, Any]]:
        try:
            with self._engine.connect() as connection:
                return [dict(row._mapping) for row in connection.execute(text(sql), params)]
        except SQLAlchemyError as error:
            reason = str(error.orig if getattr(error, "orig", None) else error).splitlines()[0]
            raise SourceUnavailable(f"cannot read the monolith's database: {reason}") from None

    def count_after(self, table: TableSpec, last_id: int) -> int:
        return self._rows(f"SELECT COUNT(*) AS n FROM {table.source_table} WHERE id > :last",
                          last=last_id)[0]["n"]

    def batch_after(self, table: TableSpec, last_id: int, limit: int) -> list[dict[str, Any]]:
        columns = ", ".join(table.source_columns)
        rows = self._rows(f"SELECT {columns} FROM {table.source_table} WHERE id > :last "
                          f"ORDER BY id LIMIT :limit", last=last_id, limit=limit)
        return [table.canonical(row) for row in rows]

    def rows_between(self, table: TableSpec, start: int, end: int) -> list[dict[str, Any]]:
        columns = ", ".join(table.source_columns)
        rows = self._rows(f"SELECT {columns} FROM {table.source_table} "
                          f"WHERE id BETWEEN :start AND :end ORDER BY id", start=start, end=end)
        return [table.canonical(row) for row in rows]

    def bounds(self, table: TableSpec) -> tuple[int, int | None, int | None]:
        row = self._rows(f"SELECT COUNT(*) AS n, MIN(id) AS lo, MAX(id) AS hi FROM {table.source_table}")[0]
        return row["n"], row["lo"], row["hi"]

    def close(self) -> None:
        self._engine.dispose()
