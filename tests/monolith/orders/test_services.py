from decimal import Decimal

import pytest

from monolith.catalog.models import Product
from monolith.common.errors import ApplicationError, Conflict, NotFound
from monolith.coupons.models import Coupon
from monolith.orders import services
from monolith.orders.models import Order
from monolith.outbox.models import OutboxEvent


@pytest.fixture
def coupon(make_user):
    user = make_user()
    return Coupon.objects.create(user=user, code="WELCOME-TEST", kind=Coupon.WELCOME, percent_off=10)


def test_placing_an_order_applies_the_coupon_and_takes_stock(coupon, make_product):
    teapot = make_product(price="12.50", stock=5)
    mug = make_product(name="Mug", price="3.33", stock=5)

    order = services.order_place(user=coupon.user, coupon_code="welcome-test",
                                 items=[{"product_id": teapot.pk, "quantity": 2},
                                        {"product_id": mug.pk, "quantity": 3}])

    assert order.subtotal == Decimal("34.99")
    assert order.discount == Decimal("3.50") and order.total == Decimal("31.49")
    teapot.refresh_from_db()
    mug.refresh_from_db()
    assert (teapot.stock, mug.stock) == (3, 2)
    coupon.refresh_from_db()
    assert coupon.used_at is not None
    assert OutboxEvent.objects.filter(event_type="OrderPlaced", aggregate_id=str(order.pk)).exists()


def test_the_same_product_twice_is_one_line(make_user, make_product):
    teapot = make_product(stock=5)

    order = services.order_place(user=make_user(), items=[{"product_id": teapot.pk, "quantity": 1},
                                                          {"product_id": teapot.pk, "quantity": 2}])

    assert [(i.product_id, i.quantity) for i in order.items.all()] == [(teapot.pk, 3)]


def test_not_enough_stock_writes_nothing(make_user, make_product):
    plenty = make_product(stock=5)
    scarce = make_product(name="Rare", stock=1)

    with pytest.raises(Conflict):
        services.order_place(user=make_user(), items=[{"product_id": plenty.pk, "quantity": 2},
                                                      {"product_id": scarce.pk, "quantity": 2}])

    assert Order.objects.count() == 0 and not OutboxEvent.objects.filter(event_type="OrderPlaced")
    assert Product.objects.get(pk=plenty.pk).stock == 5


def test_a_used_coupon_fails_the_order_and_gives_the_stock_back(coupon, make_product):
    teapot = make_product(stock=5)
    services.order_place(user=coupon.user, coupon_code=coupon.code,
                         items=[{"product_id": teapot.pk, "quantity": 1}])

    with pytest.raises(Conflict):
        services.order_place(user=coupon.user, coupon_code=coupon.code,
                             items=[{"product_id": teapot.pk, "quantity": 1}])

    assert Product.objects.get(pk=teapot.pk).stock == 4 and Order.objects.count() == 1


def test_someone_elses_coupon_is_unknown(coupon, make_user, make_product):
    with pytest.raises(NotFound):
        services.order_place(user=make_user(), coupon_code=coupon.code,
                             items=[{"product_id": make_product().pk, "quantity": 1}])


def test_an_unknown_product_fails_the_order(make_user, db):
    with pytest.raises(NotFound):
        services.order_place(user=make_user(), items=[{"product_id": 424242, "quantity": 1}])
    assert Order.objects.count() == 0


def test_an_empty_order_is_refused(make_user):
    with pytest.raises(ApplicationError):
        services.order_place(user=make_user(), items=[])


def test_cancelling_restocks_and_frees_the_coupon(coupon, make_product):
    teapot = make_product(stock=5)
    order = services.order_place(user=coupon.user, coupon_code=coupon.code,
                                 items=[{"product_id": teapot.pk, "quantity": 2}])

    cancelled = services.order_cancel(user=coupon.user, order_id=order.pk)

    assert cancelled.status == Order.CANCELLED
    assert Product.objects.get(pk=teapot.pk).stock == 5
    assert Coupon.objects.get(pk=coupon.pk).used_at is None


def test_an_order_cannot_be_cancelled_twice(make_user, make_product):
    user = make_user()
    order = services.order_place(user=user, items=[{"product_id": make_product().pk, "quantity": 1}])
    services.order_cancel(user=user, order_id=order.pk)

    with pytest.raises(Conflict):
        services.order_cancel(user=user, order_id=order.pk)
