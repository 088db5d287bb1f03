"""Coupon side jobs: take the event, call a service, safe to run twice."""
from monolith.coupons import services
from monolith.outbox.consumer import subscriber_task


@subscriber_task(name="monolith.coupons.tasks.issue_welcome_coupon")
def issue_welcome_coupon(*, event_id: str, payload: dict, **envelope) -> None:
    services.coupon_issue_welcome(user_id=payload["user_id"], event_id=event_id)
