"""Writes of the catalog service, allowed only once it owns them (STRANGLER_CATALOG_WRITER=service).

Each write bumps the product's version and records an event in the same
transaction, as the monolith does, so the monolith's read copy follows.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from extracted.catalog.models import Category, Product, ProductTombstone
from extracted.catalog.outbox import (
    record_category_changed,
    record_product_changed,
    record_product_deleted,
)
from extracted.common.db import utc_now
from extracted.common.errors import Conflict, NotFound, WritesMoved
from extracted.common.values import cents

__all__ = [
    "category_create",
    "ensure_service_owns_writes",
    "product_create",
    "product_delete",
    "product_update",
]


def ensure_service_owns_writes(writer: str) -> None:
    if writer != "service":
        raise WritesMoved(
            "Product writes belong to the monolith until the cut-over; this copy is read-only."
        )


def _category(tx: Session, category_id: int | None) -> Category | None:
    if category_id is None:
        return None
    category = tx.get(Category, category_id)
    if category is None:
        raise NotFound("No such category.", details={"category_id": ["does not exist"]})
    return category


def category_create(tx: Session, *, writer: str, name: str, slug: str) -> Category:
    ensure_service_owns_writes(writer)
    taken = tx.scalar(select(Category.id).where(or_(Category.slug == slug, Category.name == name)))
    if taken is not None:
        raise Conflict("A category with this name or slug exists.")
    category = Category(name=name, slug=slug)
    tx.add(category)
    record_category_changed(tx, category)
    return category


def product_create(tx: Session, *, writer: str, name: str, price: Decimal, description: str = "",
                   stock: int = 0, category_id: int | None = None) -> Product:
    ensure_service_owns_writes(writer)
    now = utc_now()
    product = Product(name=name, description=description, price_cents=cents(price), stock=stock,
                      category=_category(tx, category_id), created_at=now, updated_at=now, version=1)
    tx.add(product)
    record_product_changed(tx, product)
    return product


def _locked(tx: Session, product_id: int) -> Product:
    product = tx.scalars(select(Product).where(Product.id == product_id).with_for_update()).first()
    if product is None:
        raise NotFound("No such product.")
    return product


def product_update(tx: Session, *, writer: str, product_id: int, **changes: Any) -> Product:
    ensure_service_owns_writes(writer)
    product = _locked(tx, product_id)
    if "category_id" in changes:
        product.category = _category(tx, changes.pop("category_id"))
    if "price" in changes:
        product.price_cents = cents(changes.pop("price"))
    for field, value in changes.items():
        setattr(product, field, value)
    product.version += 1
    product.updated_at = utc_now()
    record_product_changed(tx, product)
    return product


def product_delete(tx: Session, *, writer: str, product_id: int) -> None:
    ensure_service_owns_writes(writer)
    product = _locked(tx, product_id)
    version = product.version + 1
    tx.delete(product)
    tx.add(ProductTombstone(id=product_id, version=version))
    record_product_deleted(tx, product_id=product_id, version=version)
