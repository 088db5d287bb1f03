from django.db.models import QuerySet

from monolith.notifications.models import Message


def message_list(*, user_id: int, unread: bool = False) -> QuerySet[Message]:
    messages = Message.objects.filter(user_id=user_id)
    if unread:
        messages = messages.filter(read_at__isnull=True)
    return messages.order_by("-created_at", "-id")
