from django.db import models


class Message(models.Model):
    """A message to one user. Refers to the user by id only, so the context can move out."""

    WELCOME = "welcome"
    ORDER_CONFIRMATION = "order_confirmation"

    user_id = models.BigIntegerField(db_index=True)
    kind = models.CharField(max_length=32)
    # Natural key of the message: one welcome per user, one confirmation per order.
    ref = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user_id", "kind", "ref"], name="one_message_per_ref")
        ]
