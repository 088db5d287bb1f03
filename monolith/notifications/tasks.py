"""Notification side jobs: take the event, call a service, safe to run twice."""
from monolith.notifications import services
from monolith.outbox.consumer import subscriber_task


@subscriber_task(name="monolith.notifications.tasks.send_welcome_message")
def send_welcome_message(*, event_id: str, payload: dict, **envelope) -> None:
    services.message_send_welcome(user_id=payload["user_id"], name=payload.get("name", ""),
                                  event_id=event_id)


@subscriber_task(name="monolith.notifications.tasks.send_order_confirmation")
def send_order_confirmation(*, event_id: str, payload: dict, **envelope) -> None:
    services.message_send_order_confirmation(user_id=payload["user_id"], order_id=payload["order_id"],
                                             total=payload["total"], event_id=event_id)
