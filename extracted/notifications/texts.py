"""Message wording, the same as the monolith's (monolith/notifications/texts.py).

The service owns its copy so it deploys alone; a property test pins the two together
until the monolith's copy is deleted.
"""

__all__ = ["order_confirmation", "welcome"]


def welcome(name: str) -> tuple[str, str]:
    who = name or "there"
    return "Welcome to the shop!", f"Hi {who}, thanks for signing up. A welcome coupon is on its way."


def order_confirmation(order_id: int, total: str) -> tuple[str, str]:
    return f"Order #{order_id} confirmed", f"We received your order #{order_id}. Total: {total}."
