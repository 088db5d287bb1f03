"""Reads of the catalog context."""
from __future__ import annotations

from django.db.models import QuerySet

from monolith.catalog.models import Category, Product
from monolith.common.errors import ApplicationError, NotFound

ORDERINGS = ("id", "-id", "name", "-name", "price", "-price", "created_at", "-created_at")


def category_list() -> QuerySet[Category]:
    return Category.objects.order_by("name")


def product_list(*, category: str | None = None, search: str | None = None,
                 ordering: str | None = None) -> QuerySet[Product]:
    products = Product.objects.select_related("category")
    if category:
        products = products.filter(category__slug=category)
    if search:
        products = products.filter(name__icontains=search)
    ordering = ordering or "id"
    if ordering not in ORDERINGS:
        raise ApplicationError(
            "Unknown ordering.",
            details={"ordering": [f"Choose one of: {', '.join(ORDERINGS)}."]},
        )
    # id breaks ties so pages never overlap.
    return products.order_by(ordering, "id")


def product_get(*, product_id: int) -> Product:
    product = Product.objects.select_related("category").filter(pk=product_id).first()
    if product is None:
        raise NotFound("No such product.")
    return product
