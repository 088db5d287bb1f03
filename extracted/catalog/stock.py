"""Stock reservations for the monolith's orders (its RemoteStock calls these).

A reservation takes stock for every line or none, under the order's idempotency
key: asking again with the same key and lines answers the same reservation
without taking more. Releasing gives back what the key took, once; releasing a
key never reserved here gives back the lines named (an order placed before stock
moved here), or nothing when no lines are named (a void after an uncertain call).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from extracted.catalog.models import Product, Reservation, ReservationLine
from extracted.catalog.outbox import record_product_changed
from extracted.catalog.services import ensure_service_owns_writes
from extracted.common.db import utc_now
from extracted.common.errors import Conflict, NotFound

__all__ = ["Line", "reservation_get", "reservation_release", "reservation_reserve"]


@dataclass(frozen=True)
class Line:
    product_id: int
    quantity: int


def _locked_product(tx: Session, product_id: int) -> Product | None:
    return tx.scalars(select(Product).where(Product.id == product_id).with_for_update()).first()


def _change_stock(tx: Session, product: Product, delta: int) -> None:
    product.stock += delta
    product.version += 1
    record_product_changed(tx, product)


def _locked_reservation(tx: Session, key: str) -> Reservation | None:
    return tx.scalars(select(Reservation).where(Reservation.key == key).with_for_update()).first()


def reservation_get(tx: Session, *, key: str) -> Reservation:
    reservation = tx.get(Reservation, key)
    if reservation is None:
        raise NotFound("No such reservation.")
    return reservation


def _merged(lines: list[Line]) -> Counter:
    totals: Counter = Counter()
    for line in lines:
        totals[line.product_id] += line.quantity
    return totals


def reservation_reserve(tx: Session, *, writer: str, key: str,
                        lines: list[Line]) -> tuple[Reservation, bool]:
    """Take stock for `lines` under `key`; return the reservation and whether it is new."""
    ensure_service_owns_writes(writer)
    wanted = _merged(lines)
    existing = _locked_reservation(tx, key)
    if existing is not None and existing.state == Reservation.ACTIVE:
        if _merged([Line(l.product_id, l.quantity) for l in existing.lines]) != wanted:
            raise Conflict("This idempotency key already reserved other lines.",
                           details={"key": [key]})
        return existing, False
    taken = []
    # Lock rows in id order so two reservations never deadlock on each other.
    for product_id in sorted(wanted):
        product = _locked_product(tx, product_id)
        quantity = wanted[product_id]
        if product is None:
            raise NotFound("No such product.",
                           details={"items": [f"product {product_id} does not exist"]})
        if product.stock < quantity:
            raise Conflict(
                f"Only {product.stock} of '{product.name}' in stock.",
                details={"items": [f"product {product_id}: {product.stock} in stock, {quantity} asked"]},
            )
        _change_stock(tx, product, -quantity)
        taken.append(product)
    by_id = {product.id: product for product in taken}
    order = list(dict.fromkeys(line.product_id for line in lines))
    reservation = existing or Reservation(key=key, created_at=utc_now())
    # A released key reserved again is a new attempt (SQLite reuses a rolled-back order id).
    reservation.state = Reservation.ACTIVE
    reservation.updated_at = utc_now()
    reservation.lines = [
        ReservationLine(position=i, product_id=pid, quantity=wanted[pid], name=by_id[pid].name,
                        unit_price_cents=by_id[pid].price_cents)
        for i, pid in enumerate(order)
    ]
    if existing is None:
        tx.add(reservation)
    tx.flush()
    return reservation, True


def reservation_release(tx: Session, *, writer: str, key: str,
                        lines: list[Line] | None) -> Reservation:
    """Give back what `key` took; safe to repeat."""
    ensure_service_owns_writes(writer)
    reservation = _locked_reservation(tx, key)
    if reservation is not None and reservation.state == Reservation.RELEASED:
        return reservation
    if reservation is not None:
        give_back = _merged([Line(l.product_id, l.quantity) for l in reservation.lines])
    else:
        give_back = _merged(lines or [])
        reservation = Reservation(key=key, state=Reservation.RELEASED, created_at=utc_now(), lines=[])
        tx.add(reservation)
    for product_id in sorted(give_back):
        product = _locked_product(tx, product_id)
        if product is not None:  # deleted since: nothing to give back to
            _change_stock(tx, product, give_back[product_id])
    reservation.state = Reservation.RELEASED
    reservation.updated_at = utc_now()
    tx.flush()
    return reservation
