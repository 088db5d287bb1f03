"""Applying the monolith's product data here while the monolith owns the writes.

Two ways in, one rule: the backfill copies rows, and the worker applies
ProductChanged/ProductDeleted events; each carries the product's version, and a
version this copy has already reached (or a tombstone at or past it) changes
nothing. So every event has its effect once and, per product, in order, whatever
order the backfill and the events arrive in.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from extracted.catalog.models import Category, InboxEntry, Product, ProductTombstone
from extracted.common.db import insert_ignoring_conflicts, reset_id_sequence
from extracted.common.models import inbox_claim as claim
from extracted.common.values import cents, parse_time

__all__ = [
    "CONSUMER",
    "ProductState",
    "category_put",
    "event_apply",
    "inbox_claim",
    "product_put",
    "product_remove",
]

CONSUMER = "catalog.sync"


@dataclass(frozen=True)
class ProductState:
    """A product's full state at one version, as the monolith last wrote it."""

    id: int
    name: str
    description: str
    price_cents: int
    stock: int
    category_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int

    @classmethod
    def from_snapshot(cls, snapshot: dict[str, Any], *, version: int) -> "ProductState":
        """From ProductChanged's `product` (the API shape)."""
        category = snapshot.get("category")
        return cls(id=int(snapshot["id"]), name=snapshot["name"], description=snapshot["description"],
                   price_cents=cents(snapshot["price"]), stock=int(snapshot["stock"]),
                   category_id=int(category["id"]) if category else None,
                   created_at=parse_time(snapshot["created_at"]),
                   updated_at=parse_time(snapshot["updated_at"]), version=int(version))

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "ProductState":
        """From a backfill row (the canonical form in extracted.catalog.migration.tables)."""
        return cls(id=int(row["id"]), name=row["name"], description=row["description"],
                   price_cents=cents(row["price"]), stock=int(row["stock"]),
                   category_id=row["category_id"], created_at=parse_time(row["created_at"]),
                   updated_at=parse_time(row["updated_at"]), version=int(row["version"]))

    def columns(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "description": self.description,
                "price_cents": self.price_cents, "stock": self.stock,
                "category_id": self.category_id, "created_at": self.created_at,
                "updated_at": self.updated_at, "version": self.version}


def category_put(tx: Session, *, id: int, name: str, slug: str) -> None:
    """Make category `id` read (name, slug), creating it when new."""
    if insert_ignoring_conflicts(tx, Category, {"id": id, "name": name, "slug": slug}):
        reset_id_sequence(tx, Category.__tablename__)
        return
    category = tx.get(Category, id)
    if category is not None and (category.name, category.slug) != (name, slug):
        category.name, category.slug = name, slug


def product_put(tx: Session, state: ProductState) -> bool:
    """Store `state` unless this copy already has this version or a later one."""
    tombstone = tx.get(ProductTombstone, state.id)
    if tombstone is not None and tombstone.version >= state.version:
        return False
    if insert_ignoring_conflicts(tx, Product, state.columns()):
        reset_id_sequence(tx, Product.__tablename__)
    else:
        product = tx.scalars(select(Product).where(Product.id == state.id).with_for_update()
                             .execution_options(populate_existing=True)).unique().one()
        if product.version >= state.version:
            return False
        for name, value in state.columns().items():
            setattr(product, name, value)
    if tombstone is not None:
        tx.delete(tombstone)
    return True


def product_remove(tx: Session, *, product_id: int, version: int) -> bool:
    """Delete the product as of `version`, leaving a tombstone; False when stale."""
    product = tx.scalars(select(Product).where(Product.id == product_id).with_for_update()).unique().first()
    if product is not None and product.version >= version:
        return False
    if product is not None:
        tx.delete(product)
    tombstone = tx.get(ProductTombstone, product_id)
    if tombstone is None:
        tx.add(ProductTombstone(id=product_id, version=version))
    elif tombstone.version < version:
        tombstone.version = version
    else:
        return False
    return True


def inbox_claim(tx: Session, *, consumer: str, event_id: str) -> bool:
    """Record that `consumer` handled `event_id`, in the caller's transaction; False if it had."""
    return claim(tx, InboxEntry, consumer=consumer, event_id=event_id)


def event_apply(tx: Session, *, event_id: str, event_type: str, payload: dict[str, Any]) -> str:
    """Apply one monolith event; return what happened: applied, stale, duplicate or ignored."""
    if payload.get("origin", "monolith") != "monolith":
        return "ignored"  # our own change coming back: never loop
    if event_type not in ("ProductChanged", "ProductDeleted"):
        return "ignored"
    if not inbox_claim(tx, consumer=CONSUMER, event_id=event_id):
        return "duplicate"
    if event_type == "ProductDeleted":
        applied = product_remove(tx, product_id=int(payload["product_id"]),
                                 version=int(payload["version"]))
        return "applied" if applied else "stale"
    snapshot = payload["product"]
    if snapshot.get("category"):
        category = snapshot["category"]
        category_put(tx, id=int(category["id"]), name=category["name"], slug=category["slug"])
    applied = product_put(tx, ProductState.from_snapshot(snapshot, version=int(payload["version"])))
    return "applied" if applied else "stale"
