"""The catalog service's end of the migration: how a copied row lands in its tables."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from extracted.catalog.migration.tables import category_row, product_row
from extracted.catalog.models import BackfillWatermark, Category, Product
from extracted.catalog.sync import ProductState, category_put, product_put
from extracted.common.errors import DependencyMissing
from extracted.common.migration.target import TargetTable
from extracted.common.values import money_from_cents

__all__ = ["TABLES", "WATERMARKS"]

WATERMARKS = BackfillWatermark


def _apply_category(tx: Session, row: dict[str, Any]) -> bool:
    category_put(tx, id=int(row["id"]), name=str(row["name"]), slug=str(row["slug"]))
    return True


def _apply_product(tx: Session, row: dict[str, Any]) -> bool:
    category_id = row["category_id"]
    if category_id is not None and tx.get(Category, category_id) is None:
        raise DependencyMissing(f"category {category_id} has not been copied yet",
                                details={"category_id": [str(category_id)]})
    return product_put(tx, ProductState.from_row(row))


def _product_model_row(product: Product) -> dict[str, Any]:
    return product_row({**{c: getattr(product, c) for c in (
        "id", "name", "description", "stock", "category_id", "created_at", "updated_at", "version")},
        "price": money_from_cents(product.price_cents)})


def _category_model_row(category: Category) -> dict[str, Any]:
    return category_row({"id": category.id, "name": category.name, "slug": category.slug})


TABLES = {
    "categories": TargetTable("categories", Category, _category_model_row, _apply_category),
    "products": TargetTable("products", Product, _product_model_row, _apply_product),
}
