"""Writes of the catalog context. Every product change is a ProductChanged event."""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F

from monolith.catalog.models import Category, Product
from monolith.catalog.serializers import product_snapshot
from monolith.common.errors import Conflict, NotFound, WritesMoved
from monolith.outbox.events import ProductChanged, ProductDeleted
from monolith.outbox.services import event_record

__all__ = [
    "category_create",
    "product_create",
    "product_delete",
    "product_update",
    "stock_release",
    "stock_reserve",
]


def _ensure_monolith_owns_writes() -> None:
    if settings.STRANGLER["CATALOG_WRITER"] != "monolith":
        raise WritesMoved(
            "Product writes belong to the catalog service now; this copy is read-only."
        )


def _resolve_category(category_id: int | None) -> Category | None:
    if category_id is None:
        return None
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        raise NotFound("No such category.", details={"category_id": ["does not exist"]})
    return category


@transaction.atomic
def category_create(*, name: str, slug: str) -> Category:
    _ensure_monolith_owns_writes()
    if Category.objects.filter(slug=slug).exists() or Category.objects.filter(name=name).exists():
        raise Conflict("A category with this name or slug exists.")
    return Category.objects.create(name=name, slug=slug)


def _record_changed(product: Product) -> None:
    event_record(event=ProductChanged(
        product_id=product.pk, product=product_snapshot(product), version=product.version,
    ))


@transaction.atomic
def product_create(*, name: str, price: Decimal, description: str = "", stock: int = 0,
                   category_id: int | None = None) -> Product:
    _ensure_monolith_owns_writes()
    product = Product.objects.create(
        name=name, price=price, description=description, stock=stock,
        category=_resolve_category(category_id),
    )
    _record_changed(product)
    return product


@transaction.atomic
def product_update(*, product_id: int, **changes) -> Product:
    _ensure_monolith_owns_writes()
    product = Product.objects.select_for_update().filter(pk=product_id).first()
    if product is None:
        raise NotFound("No such product.")
    if "category_id" in changes:
        product.category = _resolve_category(changes.pop("category_id"))
    for field, value in changes.items():
        setattr(product, field, value)
    product.version += 1
    product.save()
    _record_changed(product)
    return product


@transaction.atomic
def product_delete(*, product_id: int) -> None:
    _ensure_monolith_owns_writes()
    product = Product.objects.select_for_update().filter(pk=product_id).first()
    if product is None:
        raise NotFound("No such product.")
    version = product.version + 1
    product.delete()
    event_record(event=ProductDeleted(product_id=product_id, version=version))


def stock_reserve(*, product_id: int, quantity: int) -> Product:
    """Take `quantity` from stock; the caller's transaction makes it all or nothing."""
    product = Product.objects.select_for_update().filter(pk=product_id).first()
    if product is None:
        raise NotFound("No such product.", details={"items": [f"product {product_id} does not exist"]})
    if product.stock < quantity:
        raise Conflict(
            f"Only {product.stock} of '{product.name}' in stock.",
            details={"items": [f"product {product_id}: {product.stock} in stock, {quantity} asked"]},
        )
    _stock_change(product_id, -quantity)
    product.refresh_from_db()
    return product


def stock_release(*, product_id: int, quantity: int) -> None:
    """Put `quantity` back; a product deleted since is simply skipped."""
    if Product.objects.select_for_update().filter(pk=product_id).first() is not None:
        _stock_change(product_id, quantity)


def _stock_change(product_id: int, delta: int) -> None:
    # Stock is part of the product's state: a new version and an event, so the
    # catalog service's copy follows orders placed here too.
    _ensure_monolith_owns_writes()
    Product.objects.filter(pk=product_id).update(stock=F("stock") + delta, version=F("version") + 1)
    _record_changed(Product.objects.select_related("category").get(pk=product_id))
