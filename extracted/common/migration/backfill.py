"""Copy a context's tables from the monolith's database into its service, in batches.

Resumable: the service keeps a watermark per table (the last id copied), moved in
the same transaction as each batch, and every run starts from it. Idempotent: rows
land by id and by version, so copying a row twice, or a row the live sync already
brought newer, changes nothing. Safe while the monolith serves: reads are short,
in id order, and take no locks.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from tqdm import tqdm

from extracted.common.migration.client import ServiceClient
from extracted.common.migration.errors import ServiceRefused
from extracted.common.migration.source import MonolithSource
from extracted.common.migration.spec import ContextSpec, TableSpec

__all__ = ["BackfillReport", "TableBackfill", "backfill"]


@dataclass
class TableBackfill:
    table: str
    started_at: int
    last_id: int
    rows: int = 0
    applied: int = 0
    batches: int = 0


@dataclass
class BackfillReport:
    context: str
    tables: list[TableBackfill] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


OnBatch = Callable[[TableBackfill], None]


def _copy_table(table: TableSpec, *, source: MonolithSource, client: ServiceClient, batch_size: int,
                progress: bool, on_batch: OnBatch | None, retry_dependencies: Callable[[], None]
                ) -> TableBackfill:
    last_id = client.watermark(table)
    state = TableBackfill(table=table.name, started_at=last_id, last_id=last_id)
    total = source.count_after(table, last_id)
    with tqdm(total=total, desc=table.name, unit="row", disable=not progress, leave=True) as bar:
        while True:
            rows = source.batch_after(table, state.last_id, batch_size)
            if not rows:
                break
            try:
                result = client.push(table, after=state.last_id, rows=rows)
            except ServiceRefused as refused:
                if refused.code != "dependency_missing":
                    raise
                # A row refers to one created after its table was copied: copy those, retry once.
                retry_dependencies()
                result = client.push(table, after=state.last_id, rows=rows)
            state.last_id = result["last_id"]
            state.rows += len(rows)
            state.applied += result["applied"]
            state.batches += 1
            bar.update(len(rows))
            if on_batch:
                on_batch(state)
    return state


def backfill(context: ContextSpec, *, source: MonolithSource, client: ServiceClient, batch_size: int = 500,
             restart: bool = False, progress: bool = True, on_batch: OnBatch | None = None) -> BackfillReport:
    """Copy every table of `context` (in its order) from where the last run stopped."""
    report = BackfillReport(context=context.name)
    if restart:
        for table in context.tables:
            client.reset(table)
    for index, table in enumerate(context.tables):
        earlier = context.tables[:index]

        def copy_earlier(earlier=earlier) -> None:
            for dependency in earlier:
                _copy_table(dependency, source=source, client=client, batch_size=batch_size,
                            progress=False, on_batch=None, retry_dependencies=lambda: None)

        report.tables.append(_copy_table(table, source=source, client=client, batch_size=batch_size,
                                         progress=progress, on_batch=on_batch,
                                         retry_dependencies=copy_earlier))
    return report
