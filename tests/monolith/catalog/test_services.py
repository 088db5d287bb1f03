from decimal import Decimal

import pytest

from monolith.catalog import services
from monolith.common.errors import WritesMoved
from monolith.outbox.models import OutboxEvent


def test_creating_a_product_records_product_changed_with_its_state(db):
    product = services.product_create(name="Teapot", price=Decimal("12.50"), stock=3)

    event = OutboxEvent.objects.get(event_type="ProductChanged")
    assert event.aggregate_id == str(product.pk)
    assert event.payload["product"]["price"] == "12.50"
    assert event.payload["version"] == 1 and event.payload["origin"] == "monolith"


def test_updating_a_product_bumps_its_version_each_time(db):
    product = services.product_create(name="Teapot", price=Decimal("12.50"))

    services.product_update(product_id=product.pk, price=Decimal("9.99"))
    updated = services.product_update(product_id=product.pk, name="Green Teapot")

    versions = [e.payload["version"] for e in OutboxEvent.objects.order_by("position")]
    assert updated.version == 3 and versions == [1, 2, 3]


def test_deleting_a_product_records_product_deleted(db):
    product = services.product_create(name="Teapot", price=Decimal("1.00"))

    services.product_delete(product_id=product.pk)

    assert OutboxEvent.objects.filter(event_type="ProductDeleted", aggregate_id=str(product.pk)).exists()


def test_product_writes_are_refused_once_the_catalog_service_owns_them(db, settings):
    product = services.product_create(name="Teapot", price=Decimal("1.00"))
    settings.STRANGLER = {**settings.STRANGLER, "CATALOG_WRITER": "service"}

    with pytest.raises(WritesMoved):
        services.product_update(product_id=product.pk, price=Decimal("2.00"))
    product.refresh_from_db()
    assert product.price == Decimal("1.00")
