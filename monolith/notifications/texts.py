"""Message wording: shared by the monolith and the extracted notifications service."""


def welcome(name: str) -> tuple[str, str]:
    who = name or "there"
    return "Welcome to the shop!", f"Hi {who}, thanks for signing up. A welcome coupon is on its way."


def order_confirmation(order_id: int, total: str) -> tuple[str, str]:
    return f"Order #{order_id} confirmed", f"We received your order #{order_id}. Total: {total}."
