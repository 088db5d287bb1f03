"""Keeping the monolith's catalog a read copy once the catalog service owns the writes.

The service publishes ProductChanged, ProductDeleted and CategoryChanged with
`origin: service`; applying them writes the rows directly (the service already
decided) and records no event of our own, so nothing travels back. Each event is
applied once (inbox) and never over a newer version of the product.
"""
from __future__ import annotations

from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils.dateparse import parse_datetime

from monolith.catalog.models import Category, Product
from monolith.outbox.services import inbox_claim

__all__ = ["CONSUMER", "catalog_apply_service_event"]

CONSUMER = "catalog.copy"


def _reset_sequences() -> None:
    """Rows came with the service's ids: new local ids (after a rollback of the cut-over) start above them."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Category, Product]):
            cursor.execute(sql)


def _put_category(data: dict) -> Category:
    category, created = Category.objects.update_or_create(
        pk=data["id"], defaults={"name": data["name"], "slug": data["slug"]})
    if created:
        _reset_sequences()
    return category


def _put_product(snapshot: dict, version: int) -> str:
    product = Product.objects.select_for_update().filter(pk=snapshot["id"]).first()
    if product is not None and product.version >= version:
        return "stale"
    category = _put_category(snapshot["category"]) if snapshot.get("category") else None
    fields = {"name": snapshot["name"], "description": snapshot["description"],
              "price": Decimal(snapshot["price"]), "stock": snapshot["stock"],
              "category": category, "version": version}
    if product is None:
        Product.objects.create(pk=snapshot["id"], **fields)
        _reset_sequences()
    # update(), unlike save(), keeps the service's timestamps instead of stamping ours.
    Product.objects.filter(pk=snapshot["id"]).update(
        **fields, created_at=parse_datetime(snapshot["created_at"]),
        updated_at=parse_datetime(snapshot["updated_at"]))
    return "applied"


def _remove_product(product_id: int, version: int) -> str:
    product = Product.objects.select_for_update().filter(pk=product_id).first()
    if product is not None and product.version >= version:
        return "stale"
    Product.objects.filter(pk=product_id).delete()
    return "applied"


def catalog_apply_service_event(*, event_id: str, event_type: str, payload: dict) -> str:
    """Apply one catalog service event; return applied, stale, duplicate or ignored."""
    if payload.get("origin") != "service":
        return "ignored"  # the monolith's own change: never loop
    if event_type not in ("ProductChanged", "ProductDeleted", "CategoryChanged"):
        return "ignored"
    with transaction.atomic():
        if not inbox_claim(consumer=CONSUMER, event_id=event_id):
            return "duplicate"
        if event_type == "CategoryChanged":
            _put_category(payload["category"])
            return "applied"
        if event_type == "ProductDeleted":
            return _remove_product(int(payload["product_id"]), int(payload["version"]))
        return _put_product(payload["product"], int(payload["version"]))
