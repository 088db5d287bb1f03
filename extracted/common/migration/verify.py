"""Reconcile a context's tables between the monolith and its service.

Both sides count and checksum every id range of `range_size` ids; a range whose
count or checksum differs is compared row by row, and every drifted row is listed:
missing on one side, or which fields differ. Drift seen while sync is in flight
can be rechecked after a pause, so only lasting drift gates a cut-over.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from extracted.common.migration.client import ServiceClient
from extracted.common.migration.source import MonolithSource
from extracted.common.migration.spec import ContextSpec, TableSpec, range_summaries

__all__ = ["DriftedRow", "TableCheck", "VerifyReport", "verify"]

RANGES_PER_CALL = 200


@dataclass(frozen=True)
class DriftedRow:
    table: str
    id: int
    problem: str                      # missing_in_service | missing_in_monolith | differs
    fields: tuple[str, ...] = ()
    monolith: dict[str, Any] | None = None
    service: dict[str, Any] | None = None


@dataclass
class TableCheck:
    table: str
    monolith_count: int
    service_count: int
    ranges: int = 0
    drifted_ranges: list[tuple[int, int]] = field(default_factory=list)
    drift: list[DriftedRow] = field(default_factory=list)


@dataclass
class VerifyReport:
    context: str
    tables: list[TableCheck] = field(default_factory=list)

    @property
    def drift(self) -> list[DriftedRow]:
        return [row for table in self.tables for row in table.drift]

    @property
    def clean(self) -> bool:
        return not self.drift and all(t.monolith_count == t.service_count for t in self.tables)


def _diff_rows(table: str, ours: list[dict], theirs: list[dict]) -> list[DriftedRow]:
    mine = {row["id"]: row for row in ours}
    service = {row["id"]: row for row in theirs}
    drift = []
    for row_id in sorted(mine.keys() | service.keys()):
        left, right = mine.get(row_id), service.get(row_id)
        if right is None:
            drift.append(DriftedRow(table, row_id, "missing_in_service", monolith=left))
        elif left is None:
            drift.append(DriftedRow(table, row_id, "missing_in_monolith", service=right))
        elif left != right:
            fields = tuple(sorted(k for k in left.keys() | right.keys() if left.get(k) != right.get(k)))
            drift.append(DriftedRow(table, row_id, "differs", fields, left, right))
    return drift


def _drifted_ranges(table: TableSpec, *, source: MonolithSource, client: ServiceClient, start: int,
                    end: int, size: int) -> tuple[int, list[tuple[int, int]]]:
    checked, drifted = 0, []
    span = size * RANGES_PER_CALL
    for chunk_start in range(start, end + 1, span):
        chunk_end = min(chunk_start + span - 1, end)
        ours = range_summaries(source.rows_between(table, chunk_start, chunk_end),
                               start=chunk_start, end=chunk_end, size=size)
        theirs = client.range_checksums(table, start=chunk_start, end=chunk_end, size=size)
        for mine, service in zip(ours, theirs):
            checked += 1
            if (mine["count"], mine["checksum"]) != (service["count"], service["checksum"]):
                drifted.append((mine["start"], mine["end"]))
    return checked, drifted


def _check_table(table: TableSpec, *, source: MonolithSource, client: ServiceClient, range_size: int,
                 rechecks: int, pause: float) -> TableCheck:
    count, low, high = source.bounds(table)
    service_count, service_low, service_high = client.bounds(table)
    check = TableCheck(table.name, count, service_count)
    lows = [v for v in (low, service_low) if v is not None]
    highs = [v for v in (high, service_high) if v is not None]
    if not lows:
        return check
    start, end = min(lows), max(highs)
    check.ranges, drifted = _drifted_ranges(table, source=source, client=client, start=start, end=end,
                                            size=range_size)
    for attempt in range(rechecks + 1):
        drift = []
        for lo, hi in drifted:
            drift += _diff_rows(table.name, source.rows_between(table, lo, hi),
                                client.rows_between(table, start=lo, end=hi))
        if not drift or attempt == rechecks:
            break
        time.sleep(pause)
        drifted = [(lo, hi) for lo, hi in drifted if any(lo <= d.id <= hi for d in drift)]
    if check.ranges and drifted:
        # Rows moved while we looked: report the counts as they are now.
        check.monolith_count, _, _ = source.bounds(table)
        check.service_count, _, _ = client.bounds(table)
    check.drifted_ranges = sorted({(lo, hi) for lo, hi in drifted if any(lo <= d.id <= hi for d in drift)})
    check.drift = drift
    return check


def verify(context: ContextSpec, *, source: MonolithSource, client: ServiceClient, range_size: int = 1000,
           rechecks: int = 0, pause: float = 1.0) -> VerifyReport:
    """Compare every table of `context`; the report lists every drifted row."""
    report = VerifyReport(context=context.name)
    for table in context.tables:
        report.tables.append(_check_table(table, source=source, client=client, range_size=range_size,
                                          rechecks=rechecks, pause=pause))
    return report
