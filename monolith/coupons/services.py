"""Writes of the coupons context."""
from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from monolith.common.errors import Conflict, NotFound
from monolith.coupons.models import Coupon
from monolith.outbox.services import inbox_claim

__all__ = ["coupon_issue_welcome", "coupon_redeem", "coupon_restore", "WELCOME_PERCENT_OFF"]

WELCOME_PERCENT_OFF = 10
CONSUMER = "coupons.welcome"


def _new_code(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4).upper()}"


@transaction.atomic
def coupon_issue_welcome(*, user_id: int, event_id: str) -> Coupon | None:
    """Issue the welcome coupon for UserSignedUp `event_id`; None when already done."""
    if not inbox_claim(consumer=CONSUMER, event_id=event_id):
        return None
    from monolith.accounts.models import User

    if not User.objects.filter(pk=user_id).exists():
        return None  # the account was removed before the job ran
    try:
        with transaction.atomic():
            return Coupon.objects.create(user_id=user_id, code=_new_code("WELCOME"),
                                         kind=Coupon.WELCOME, percent_off=WELCOME_PERCENT_OFF)
    except IntegrityError:
        return None  # the natural key says this user already has one


def coupon_redeem(*, user, code: str) -> Coupon:
    """Mark the user's coupon used; call inside the order's transaction."""
    coupon = Coupon.objects.select_for_update().filter(code=code.strip().upper(), user=user).first()
    if coupon is None:
        raise NotFound("No such coupon.", details={"coupon_code": ["unknown coupon"]})
    if coupon.used_at is not None:
        raise Conflict("This coupon was already used.", details={"coupon_code": ["already used"]})
    coupon.used_at = timezone.now()
    coupon.save(update_fields=["used_at"])
    return coupon


def coupon_restore(*, coupon_id: int) -> None:
    """Make a coupon usable again (its order was cancelled)."""
    Coupon.objects.filter(pk=coupon_id).update(used_at=None)
