"""Events the catalog service writes about its own changes, in the same transaction.

They keep the monolith's read copy current once the service owns the writes
(reverse sync). Every event says `origin: service`, so nothing sends it back here.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from extracted.catalog.models import Category, OutboxEvent, Product
from extracted.catalog.serializers import category_json, product_snapshot

__all__ = ["ORIGIN", "record_category_changed", "record_product_changed", "record_product_deleted"]

ORIGIN = "service"


def _record(tx: Session, *, event_type: str, aggregate_type: str, aggregate_id: int,
            payload: dict) -> OutboxEvent:
    event = OutboxEvent(event_type=event_type, aggregate_type=aggregate_type,
                        aggregate_id=str(aggregate_id), payload=payload)
    tx.add(event)
    return event


def record_product_changed(tx: Session, product: Product) -> OutboxEvent:
    tx.flush()
    return _record(tx, event_type="ProductChanged", aggregate_type="product", aggregate_id=product.id,
                   payload={"product_id": product.id, "product": product_snapshot(product),
                            "version": product.version, "origin": ORIGIN})


def record_product_deleted(tx: Session, *, product_id: int, version: int) -> OutboxEvent:
    return _record(tx, event_type="ProductDeleted", aggregate_type="product", aggregate_id=product_id,
                   payload={"product_id": product_id, "version": version, "origin": ORIGIN})


def record_category_changed(tx: Session, category: Category) -> OutboxEvent:
    tx.flush()
    return _record(tx, event_type="CategoryChanged", aggregate_type="category",
                   aggregate_id=category.id,
                   payload={"category_id": category.id, "category": category_json(category),
                            "origin": ORIGIN})
