"""Coupon side jobs: take the event, call a service, safe to run twice."""
from celery import shared_task

from monolith.coupons import services


@shared_task(name="monolith.coupons.tasks.issue_welcome_coupon", acks_late=True)
def issue_welcome_coupon(*, event_id: str, payload: dict, **envelope) -> None:
    services.coupon_issue_welcome(user_id=payload["user_id"], event_id=event_id)
