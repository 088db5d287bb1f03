"""Stock held by the extracted catalog service, reserved over HTTP (see monolith.orders.stock).

Every call carries the order's idempotency key (`order-<id>`), so a call repeated
after a timeout never takes stock twice: the service answers the reservation it
already made. A reservation whose outcome stays unknown (the service did not
answer twice) is voided before the order fails, and an order that fails after
reserving gives the stock back (order_place calls `release`, the compensation).

The service's JSON errors become the monolith's own: 400 ApplicationError,
404 NotFound, 409 Conflict (out of stock). Anything else (down, timed out,
refused our credentials, writes not moved yet) is StockServiceUnavailable, 503.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx
import jwt
from django.conf import settings

from monolith.common.errors import ApplicationError, Conflict, NotFound
from monolith.orders.stock import Line, ReservedLine

__all__ = ["RemoteStock", "StockServiceUnavailable"]

log = logging.getLogger(__name__)

RESERVATIONS = "/internal/v1/catalog/stock/reservations/"
# A stock call sits inside the customer's request: fail fast rather than hang it.
TIMEOUT = httpx.Timeout(5.0, connect=2.0)
ATTEMPTS = 2
_RETRY_STATUSES = {502, 503, 504}


class StockServiceUnavailable(ApplicationError):
    """The catalog service could not be asked about stock; nothing was taken."""

    status_code = 503
    code = "stock_unavailable"


@functools.lru_cache(maxsize=8)
def _shared_client(base_url: str) -> httpx.Client:
    # One pooled client per service URL for the process: orders reuse connections.
    return httpx.Client(base_url=base_url, timeout=TIMEOUT)


def _service_token() -> str:
    config = settings.STRANGLER
    now = dt.datetime.now(dt.timezone.utc)
    claims = {"sub": "monolith", "scope": "internal", "iat": now,
              "exp": now + dt.timedelta(seconds=60), "iss": config["JWT_ISSUER"]}
    return jwt.encode(claims, config["JWT_SECRET"], algorithm="HS256")


def _lines_json(lines: list[Line]) -> list[dict[str, int]]:
    return [{"product_id": line.product_id, "quantity": line.quantity} for line in lines]


class RemoteStock:
    """StockReservations backed by the catalog service's reservation endpoints."""

    def __init__(self, *, base_url: str, client: httpx.Client | None = None, attempts: int = ATTEMPTS):
        self.base_url = base_url.rstrip("/")
        self._client = client or _shared_client(self.base_url)
        self._attempts = attempts

    def _call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        failure = "no attempt made"
        for attempt in range(1, self._attempts + 1):
            try:
                response = self._client.post(path, json=body,
                                             headers={"Authorization": f"Bearer {_service_token()}"})
            except httpx.TransportError as error:
                failure = f"{type(error).__name__}: {error}"
                log.warning("stock: %s %s failed (attempt %d): %s", path, body.get("key", ""), attempt, failure)
                continue
            if response.status_code in _RETRY_STATUSES:
                failure = f"HTTP {response.status_code}"
                continue
            return self._answer(response)
        raise StockServiceUnavailable(
            "Stock cannot be checked right now; please try again.",
            details={"stock": [f"the catalog service at {self.base_url} did not answer ({failure})"]},
        )

    def _answer(self, response: httpx.Response) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.is_success and isinstance(data, dict):
            return data
        error = data.get("error", {}) if isinstance(data, dict) else {}
        message = error.get("message") or f"HTTP {response.status_code}"
        details = error.get("details") or {}
        if response.status_code == 409:
            raise Conflict(message, details=details)
        if response.status_code == 404:
            raise NotFound(message, details=details)
        if response.status_code == 400:
            raise ApplicationError(message, details=details)
        raise StockServiceUnavailable(
            "Stock cannot be checked right now; please try again.",
            details={"stock": [f"the catalog service answered {response.status_code}: {message}"]},
        )

    def reserve(self, *, key: str, lines: list[Line]) -> list[ReservedLine]:
        try:
            data = self._call(RESERVATIONS, {"key": key, "lines": _lines_json(lines)})
        except StockServiceUnavailable:
            self._void(key)
            raise
        return [ReservedLine(item["product_id"], item["quantity"], item["name"], Decimal(item["unit_price"]))
                for item in data["lines"]]

    def release(self, *, key: str, lines: list[Line]) -> None:
        # The lines matter only for an order placed before stock moved to the service.
        self._call(f"{RESERVATIONS}{quote(key, safe='')}/release/", {"lines": _lines_json(lines)})

    def _void(self, key: str) -> None:
        """Cancel whatever an unanswered reserve may have taken; best effort."""
        try:
            self._call(f"{RESERVATIONS}{quote(key, safe='')}/release/", {})
        except ApplicationError as error:
            log.error("stock: could not void reservation %s (%s); its stock stays taken until released",
                      key, error.message)
