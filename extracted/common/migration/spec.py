"""A context's tables as the migration sees them: names on both sides, one row form.

The row form (`canonical`) is plain JSON with fixed text for money and time, so a
row read from the monolith (SQLite or PostgreSQL) and the same row read from the
service compare equal and hash the same.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

__all__ = ["ContextSpec", "TableSpec", "range_checksum", "range_summaries", "row_digest"]


@dataclass(frozen=True)
class TableSpec:
    name: str                                   # the name the service and the CLI use
    source_table: str                           # the monolith's table
    source_columns: tuple[str, ...]             # read in this order; "id" first
    canonical: Callable[[Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class ContextSpec:
    name: str
    internal_prefix: str                        # e.g. /internal/v1/catalog
    tables: tuple[TableSpec, ...]

    def table(self, name: str) -> TableSpec:
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(name)


def row_digest(row: Mapping[str, Any]) -> str:
    text = json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def range_checksum(digests: Iterable[tuple[int, str]]) -> str:
    """A checksum of (id, digest) pairs in id order."""
    hasher = hashlib.sha256()
    for row_id, digest in digests:
        hasher.update(f"{row_id}:{digest}\n".encode())
    return hasher.hexdigest()[:32]


def range_summaries(rows: list[Mapping[str, Any]], *, start: int, end: int,
                    size: int) -> list[dict[str, Any]]:
    """Count and checksum per id range [lo, lo+size-1] covering start..end; rows in id order."""
    buckets: dict[int, list[tuple[int, str]]] = {}
    for row in rows:
        buckets.setdefault((row["id"] - start) // size, []).append((row["id"], row_digest(row)))
    summaries = []
    for index, lo in enumerate(range(start, end + 1, size)):
        pairs = buckets.get(index, [])
        summaries.append({"start": lo, "end": min(lo + size - 1, end), "count": len(pairs),
                          "checksum": range_checksum(pairs)})
    return summaries
