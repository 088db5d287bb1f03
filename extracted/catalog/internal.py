"""Endpoints for other services, never for clients (the proxy does not route /internal).

    POST /internal/v1/catalog/stock/reservations/                {"key", "lines": [{product_id, quantity}]}
    GET  /internal/v1/catalog/stock/reservations/<key>/
    POST /internal/v1/catalog/stock/reservations/<key>/release/  {"lines": [...]} or {}
    ...  /internal/v1/catalog/backfill/, /reconcile/             (extracted.common.migration.views)
"""
from __future__ import annotations

from flask import Blueprint, Response, request

from extracted.catalog import stock
from extracted.catalog.api import CatalogApi, runtime
from extracted.catalog.migration.target import TABLES, WATERMARKS
from extracted.catalog.models import Reservation
from extracted.common.errors import InvalidInput
from extracted.common.http import json_body
from extracted.common.migration.views import migration_blueprint
from extracted.common.responses import drf_json
from extracted.common.validation import CharField, Form, IntegerField
from extracted.common.values import money_from_cents

__all__ = ["data_bp", "stock_bp"]

stock_bp = Blueprint("catalog_stock", __name__, url_prefix="/internal/v1/catalog/stock")
data_bp = migration_blueprint("catalog_data", "/internal/v1/catalog", base_view=CatalogApi,
                              database=lambda: runtime().db, tables=TABLES, watermarks=WATERMARKS)

LINE = Form(product_id=IntegerField(min_value=1, max_value=2**53),
            quantity=IntegerField(min_value=1, max_value=1_000_000))
RESERVE = Form(key=CharField(max_length=100))
MAX_LINES = 50


def _lines(raw, *, required: bool) -> list[stock.Line] | None:
    if raw is None and not required:
        return None
    if not isinstance(raw, list) or (required and not raw) or len(raw) > MAX_LINES:
        raise InvalidInput({"lines": [f"Give a list of 1 to {MAX_LINES} lines."]})
    lines, errors = [], {}
    for index, item in enumerate(raw):
        try:
            clean = LINE.validate(item)
        except InvalidInput as invalid:
            errors.update({f"lines.{index}.{k}": v for k, v in invalid.details.items()})
            continue
        lines.append(stock.Line(clean["product_id"], clean["quantity"]))
    if errors:
        raise InvalidInput(errors)
    return lines


def _reservation_json(reservation: Reservation) -> dict:
    return {"key": reservation.key, "state": reservation.state, "lines": [
        {"product_id": line.product_id, "quantity": line.quantity, "name": line.name,
         "unit_price": money_from_cents(line.unit_price_cents)}
        for line in reservation.lines
    ]}


class ReservationListApi(CatalogApi):
    permission = "internal"

    def post(self) -> Response:
        body = json_body(request)
        key = RESERVE.validate(body)["key"]
        lines = _lines(body.get("lines"), required=True)
        rt = runtime()
        with rt.db.transaction() as tx:
            reservation, created = stock.reservation_reserve(tx, writer=rt.config.writer, key=key,
                                                             lines=lines)
            answer = _reservation_json(reservation)
        rt.publish_soon()
        return drf_json(answer, status=201 if created else 200)


class ReservationDetailApi(CatalogApi):
    permission = "internal"

    def get(self, key: str) -> Response:
        with runtime().db.transaction() as tx:
            return drf_json(_reservation_json(stock.reservation_get(tx, key=key)))


class ReservationReleaseApi(CatalogApi):
    permission = "internal"

    def post(self, key: str) -> Response:
        body = json_body(request)
        RESERVE.validate({"key": key})
        lines = _lines(body.get("lines") if isinstance(body, dict) else None, required=False)
        rt = runtime()
        with rt.db.transaction() as tx:
            reservation = stock.reservation_release(tx, writer=rt.config.writer, key=key, lines=lines)
            answer = _reservation_json(reservation)
        rt.publish_soon()
        return drf_json(answer)


stock_bp.add_url_rule("/reservations/", view_func=ReservationListApi.route())
stock_bp.add_url_rule("/reservations/<key>/", view_func=ReservationDetailApi.route())
stock_bp.add_url_rule("/reservations/<key>/release/", view_func=ReservationReleaseApi.route())
