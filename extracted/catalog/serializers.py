"""The catalog's JSON shapes: the same as the monolith's CategoryOutput and ProductOutput."""
from __future__ import annotations

from extracted.catalog.models import Category, Product
from extracted.common.values import api_time, money_from_cents

__all__ = ["category_json", "product_json", "product_snapshot"]


def category_json(category: Category | None) -> dict | None:
    if category is None:
        return None
    return {"id": category.id, "name": category.name, "slug": category.slug}


def product_json(product: Product) -> dict:
    return {
        "id": product.id,
        "name": product.name,
        "description": product.description,
        "price": money_from_cents(product.price_cents),
        "stock": product.stock,
        "category": category_json(product.category),
        "created_at": api_time(product.created_at),
        "updated_at": api_time(product.updated_at),
    }


def product_snapshot(product: Product) -> dict:
    """The product as ProductChanged carries it: the API shape plus its version."""
    return {**product_json(product), "version": product.version}
