"""Writes of the orders context."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from monolith.common.errors import ApplicationError, Conflict, NotFound
from monolith.coupons.services import coupon_redeem, coupon_restore
from monolith.orders.models import Order, OrderItem
from monolith.orders.stock import Line, stock_backend
from monolith.outbox.events import OrderCancelled, OrderPlaced
from monolith.outbox.services import event_record

__all__ = ["order_cancel", "order_place"]

CENT = Decimal("0.01")
MAX_LINES = 50


def _merge(items: list[dict]) -> list[Line]:
    quantities: dict[int, int] = {}
    for item in items:
        quantities[item["product_id"]] = quantities.get(item["product_id"], 0) + item["quantity"]
    return [Line(product_id, quantity) for product_id, quantity in quantities.items()]


def order_place(*, user, items: list[dict], coupon_code: str | None = None) -> Order:
    """Check stock, apply the coupon, compute totals and take stock: all or nothing.

    The order confirmation follows from OrderPlaced; nothing else happens here.
    """
    if not items:
        raise ApplicationError("An order needs at least one item.", details={"items": ["empty"]})
    if len(items) > MAX_LINES:
        raise ApplicationError(f"At most {MAX_LINES} lines per order.", details={"items": ["too many"]})
    lines = _merge(items)
    stock = stock_backend()
    with transaction.atomic():
        order = Order.objects.create(user=user, subtotal=0, total=0)
        key = f"order-{order.pk}"
        reserved = stock.reserve(key=key, lines=lines)
        # From here a failure must give the stock back when it lives elsewhere:
        # the local backend's changes roll back with this transaction anyway.
        try:
            subtotal = Decimal(0)
            for line in reserved:
                line_total = (line.unit_price * line.quantity).quantize(CENT)
                OrderItem.objects.create(order=order, product_id=line.product_id,
                                         product_name=line.name, unit_price=line.unit_price,
                                         quantity=line.quantity, line_total=line_total)
                subtotal += line_total
            discount = Decimal(0)
            if coupon_code:
                coupon = coupon_redeem(user=user, code=coupon_code)
                discount = (subtotal * coupon.percent_off / 100).quantize(CENT, ROUND_HALF_UP)
                order.coupon, order.coupon_code = coupon, coupon.code
            order.subtotal, order.discount, order.total = subtotal, discount, subtotal - discount
            order.save()
            event_record(event=OrderPlaced(order_id=order.pk, user_id=user.pk,
                                           total=str(order.total), item_count=len(reserved)))
        except Exception:
            stock.release(key=key, lines=lines)
            raise
    return order


def order_cancel(*, user, order_id: int) -> Order:
    """Cancel a placed order: stock goes back, the coupon can be used again."""
    stock = stock_backend()
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id, user=user).first()
        if order is None:
            raise NotFound("No such order.")
        if order.status != Order.PLACED:
            raise Conflict("Only a placed order can be cancelled.", details={"status": [order.status]})
        lines = [Line(item.product_id, item.quantity) for item in order.items.all()]
        stock.release(key=f"order-{order.pk}", lines=lines)
        if order.coupon_id:
            coupon_restore(coupon_id=order.coupon_id)
        order.status = Order.CANCELLED
        order.save(update_fields=["status", "updated_at"])
        event_record(event=OrderCancelled(order_id=order.pk, user_id=user.pk))
    return order
