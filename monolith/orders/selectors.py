from django.db.models import QuerySet

from monolith.common.errors import NotFound
from monolith.orders.models import Order


def order_list(*, user) -> QuerySet[Order]:
    return Order.objects.filter(user=user).prefetch_related("items").order_by("-created_at", "-id")


def order_get(*, user, order_id: int) -> Order:
    order = Order.objects.filter(user=user, pk=order_id).prefetch_related("items").first()
    if order is None:
        raise NotFound("No such order.")
    return order
