"""The catalog's tables as the migration moves and compares them."""
from __future__ import annotations

from typing import Any, Mapping

from extracted.common.migration.spec import ContextSpec, TableSpec
from extracted.common.values import money, stable_time

__all__ = ["CATALOG", "CATEGORIES", "PRODUCTS", "category_row", "product_row"]


def category_row(values: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": int(values["id"]), "name": values["name"], "slug": values["slug"]}


def product_row(values: Mapping[str, Any]) -> dict[str, Any]:
    category_id = values["category_id"]
    return {
        "id": int(values["id"]),
        "name": values["name"],
        "description": values["description"],
        "price": money(values["price"]),
        "stock": int(values["stock"]),
        "category_id": int(category_id) if category_id is not None else None,
        "created_at": stable_time(values["created_at"]),
        "updated_at": stable_time(values["updated_at"]),
        "version": int(values["version"]),
    }


CATEGORIES = TableSpec("categories", "catalog_category", ("id", "name", "slug"), category_row)
PRODUCTS = TableSpec(
    "products", "catalog_product",
    ("id", "name", "description", "price", "stock", "category_id", "created_at", "updated_at", "version"),
    product_row,
)
# Categories first: products refer to them.
CATALOG = ContextSpec("catalog", "/internal/v1/catalog", (CATEGORIES, PRODUCTS))
