"""Stock reservation behind one interface (branch by abstraction).

`LocalStock` uses the monolith's own product table; `RemoteStock` (see
`monolith.orders.remote_stock`) calls the extracted catalog service. The setting
STRANGLER["STOCK_BACKEND"] ("local" or "remote") picks one; order placement does not
know which it has.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings

__all__ = ["Line", "ReservedLine", "StockReservations", "LocalStock", "stock_backend"]


@dataclass(frozen=True)
class Line:
    product_id: int
    quantity: int


@dataclass(frozen=True)
class ReservedLine:
    product_id: int
    quantity: int
    name: str
    unit_price: Decimal


class StockReservations(Protocol):
    def reserve(self, *, key: str, lines: list[Line]) -> list[ReservedLine]:
        """Reserve every line or none; raise ApplicationError when one cannot be had.

        `key` is the order's idempotency key: reserving twice with one key reserves once.
        """

    def release(self, *, key: str, lines: list[Line]) -> None:
        """Give back what `reserve` took under `key` (compensation); safe to repeat."""


class LocalStock:
    """Stock in the monolith's own table, inside the order's transaction."""

    def reserve(self, *, key: str, lines: list[Line]) -> list[ReservedLine]:
        from monolith.catalog.services import stock_reserve

        reserved = []
        # Lock rows in id order so two orders never deadlock on each other.
        for line in sorted(lines, key=lambda item: item.product_id):
            product = stock_reserve(product_id=line.product_id, quantity=line.quantity)
            reserved.append(ReservedLine(line.product_id, line.quantity, product.name, product.price))
        order = {line.product_id: i for i, line in enumerate(lines)}
        return sorted(reserved, key=lambda r: order[r.product_id])

    def release(self, *, key: str, lines: list[Line]) -> None:
        from monolith.catalog.services import stock_release

        for line in lines:
            stock_release(product_id=line.product_id, quantity=line.quantity)


def stock_backend() -> StockReservations:
    name = settings.STRANGLER["STOCK_BACKEND"]
    if name == "local":
        return LocalStock()
    if name == "remote":
        from monolith.orders.remote_stock import RemoteStock

        return RemoteStock(base_url=settings.STRANGLER["CATALOG_SERVICE_URL"])
    raise ValueError(f"STRANGLER_STOCK_BACKEND must be 'local' or 'remote', not {name!r}")
