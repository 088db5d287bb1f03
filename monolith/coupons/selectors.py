from django.db.models import QuerySet

from monolith.coupons.models import Coupon


def coupon_list(*, user) -> QuerySet[Coupon]:
    return Coupon.objects.filter(user=user).order_by("-created_at", "-id")
