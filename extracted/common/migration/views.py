"""The internal data endpoints a service exposes to `strangler data` (service tokens only).

    GET  <prefix>/backfill/<table>/           the watermark
    POST <prefix>/backfill/<table>/           apply a batch: {"after": N, "rows": [...]}
    POST <prefix>/backfill/<table>/reset/     start the next backfill from the beginning
    GET  <prefix>/reconcile/<table>/          count, min id, max id
    POST <prefix>/reconcile/<table>/ranges/   {"start", "end", "size"}: count + checksum per range
    POST <prefix>/reconcile/<table>/rows/     {"start", "end"}: the rows, in the row form
"""
from __future__ import annotations

from typing import Callable

from flask import Blueprint, Response, request

from extracted.common.app import ApiView
from extracted.common.db import Database
from extracted.common.errors import NotFound
from extracted.common.http import json_body
from extracted.common.migration import target
from extracted.common.migration.target import TargetTable
from extracted.common.responses import drf_json

__all__ = ["migration_blueprint"]


def migration_blueprint(name: str, url_prefix: str, *, base_view: type[ApiView],
                        database: Callable[[], Database], tables: dict[str, TargetTable],
                        watermarks: type) -> Blueprint:
    bp = Blueprint(name, __name__, url_prefix=url_prefix)

    def table_named(table: str) -> TargetTable:
        if table not in tables:
            raise NotFound(f"No such table; this service has: {', '.join(tables)}.")
        return tables[table]

    class BackfillApi(base_view):
        permission = "internal"

        def get(self, table: str) -> Response:
            with database().transaction() as tx:
                return drf_json(target.backfill_state(tx, watermarks, table_named(table)))

        def post(self, table: str) -> Response:
            body = json_body(request)
            body = body if isinstance(body, dict) else {}
            with database().transaction() as tx:
                result = target.backfill_apply(tx, watermarks, table_named(table),
                                               after=body.get("after"), rows=body.get("rows"))
            return drf_json(result)

    class BackfillResetApi(base_view):
        permission = "internal"

        def post(self, table: str) -> Response:
            with database().transaction() as tx:
                return drf_json(target.backfill_reset(tx, watermarks, table_named(table)))

    class ReconcileApi(base_view):
        permission = "internal"

        def get(self, table: str) -> Response:
            with database().transaction() as tx:
                return drf_json(target.reconcile_bounds(tx, table_named(table)))

    class ReconcileRangesApi(base_view):
        permission = "internal"

        def post(self, table: str) -> Response:
            body = json_body(request)
            with database().transaction() as tx:
                return drf_json(target.reconcile_ranges(tx, table_named(table), body))

    class ReconcileRowsApi(base_view):
        permission = "internal"

        def post(self, table: str) -> Response:
            body = json_body(request)
            with database().transaction() as tx:
                return drf_json(target.reconcile_rows(tx, table_named(table), body))

    bp.add_url_rule("/backfill/<table>/", view_func=BackfillApi.route())
    bp.add_url_rule("/backfill/<table>/reset/", view_func=BackfillResetApi.route())
    bp.add_url_rule("/reconcile/<table>/", view_func=ReconcileApi.route())
    bp.add_url_rule("/reconcile/<table>/ranges/", view_func=ReconcileRangesApi.route())
    bp.add_url_rule("/reconcile/<table>/rows/", view_func=ReconcileRowsApi.route())
    return bp
