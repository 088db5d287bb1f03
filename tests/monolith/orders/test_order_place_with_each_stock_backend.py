"""Placing and cancelling orders behaves the same with stock in the monolith or in the catalog service.

`remote` runs a real catalog service on loopback (its own SQLite database, owning
the writes) and points the monolith's RemoteStock at it.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from extracted.catalog import create_app
from extracted.catalog.config import read_config
from extracted.catalog.models import Product as ServiceProduct
from extracted.catalog.sync import ProductState
from extracted.catalog.sync import product_put as service_product_put
from monolith.catalog.models import Product
from monolith.common.errors import Conflict, NotFound
from monolith.coupons.models import Coupon
from monolith.orders import services
from monolith.orders.models import Order
from monolith.orders.remote_stock import StockServiceUnavailable
from tests.loopback import serve_wsgi


class LocalShop:
    def product(self, *, name: str, price: str, stock: int) -> int:
        return Product.objects.create(name=name, price=Decimal(price), stock=stock).pk

    def stock(self, product_id: int) -> int:
        return Product.objects.get(pk=product_id).stock


class RemoteShop:
    def __init__(self, runtime):
        self.runtime = runtime
        self._ids = iter(range(1, 10_000))

    def product(self, *, name: str, price: str, stock: int) -> int:
        product_id = next(self._ids)
        now = dt.datetime.now(dt.timezone.utc)
        with self.runtime.db.transaction() as tx:
            service_product_put(tx, ProductState(product_id, name, "", int(Decimal(price) * 100), stock, None,
                                                 now, now, 1))
        return product_id

    def stock(self, product_id: int) -> int:
        with self.runtime.db.transaction() as tx:
            return tx.get(ServiceProduct, product_id).stock


@pytest.fixture(params=["local", "remote"])
def shop(request, db, settings, tmp_path):
    if request.param == "local":
        yield LocalShop()
        return
    config = read_config({"STRANGLER_VAR_DIR": str(tmp_path), "STRANGLER_CATALOG_WRITER": "service",
                          "CELERY_BROKER_URL": "memory://", "CATALOG_PUBLISH_AFTER_COMMIT": "0"})
    app = create_app(config)
    with serve_wsgi(app) as url:
        settings.STRANGLER = {**settings.STRANGLER, "STOCK_BACKEND": "remote", "CATALOG_SERVICE_URL": url,
                              "CATALOG_WRITER": "service"}
        yield RemoteShop(app.extensions["catalog"])
    app.extensions["catalog"].db.dispose()


@pytest.fixture
def coupon(make_user):
    return Coupon.objects.create(user=make_user(), code="WELCOME-TEST", kind=Coupon.WELCOME, percent_off=10)


def test_placing_an_order_takes_stock_at_the_stock_keepers_prices(shop, coupon):
    teapot = shop.product(name="Teapot", price="12.50", stock=5)
    mug = shop.product(name="Mug", price="3.33", stock=5)

    order = services.order_place(user=coupon.user, coupon_code=coupon.code,
                                 items=[{"product_id": teapot, "quantity": 2}, {"product_id": mug, "quantity": 3}])

    assert (order.subtotal, order.discount, order.total) == (Decimal("34.99"), Decimal("3.50"), Decimal("31.49"))
    assert [(i.product_name, i.unit_price) for i in order.items.all()] == [
        ("Teapot", Decimal("12.50")), ("Mug", Decimal("3.33"))]
    assert (shop.stock(teapot), shop.stock(mug)) == (3, 2)


def test_one_line_short_of_stock_places_nothing(shop, make_user):
    plenty = shop.product(name="Teapot", price="1.00", stock=5)
    scarce = shop.product(name="Rare", price="1.00", stock=1)

    with pytest.raises(Conflict):
        services.order_place(user=make_user(), items=[{"product_id": plenty, "quantity": 2},
                                                      {"product_id": scarce, "quantity": 2}])

    assert Order.objects.count() == 0 and (shop.stock(plenty), shop.stock(scarce)) == (5, 1)


def test_a_failure_after_reserving_gives_the_stock_back(shop, coupon):
    teapot = shop.product(name="Teapot", price="1.00", stock=5)
    services.order_place(user=coupon.user, coupon_code=coupon.code, items=[{"product_id": teapot, "quantity": 1}])

    with pytest.raises(Conflict):  # the coupon is used up after the stock was taken
        services.order_place(user=coupon.user, coupon_code=coupon.code,
                             items=[{"product_id": teapot, "quantity": 2}])

    assert shop.stock(teapot) == 4 and Order.objects.count() == 1


def test_an_unknown_product_fails_the_order(shop, make_user):
    with pytest.raises(NotFound):
        services.order_place(user=make_user(), items=[{"product_id": 4242, "quantity": 1}])

    assert Order.objects.count() == 0


def test_cancelling_gives_the_stock_back(shop, make_user):
    user = make_user()
    teapot = shop.product(name="Teapot", price="1.00", stock=5)
    order = services.order_place(user=user, items=[{"product_id": teapot, "quantity": 2}])

    services.order_cancel(user=user, order_id=order.pk)

    assert shop.stock(teapot) == 5


def test_with_the_catalog_service_down_no_order_is_placed(db, settings, make_user):
    settings.STRANGLER = {**settings.STRANGLER, "STOCK_BACKEND": "remote",
                          "CATALOG_SERVICE_URL": "http://127.0.0.1:9"}

    with pytest.raises(StockServiceUnavailable):
        services.order_place(user=make_user(), items=[{"product_id": 1, "quantity": 1}])

    assert Order.objects.count() == 0
