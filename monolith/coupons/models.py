from django.conf import settings
from django.db import models


class Coupon(models.Model):
    WELCOME = "welcome"
    PROMO = "promo"
    KINDS = [(WELCOME, "Welcome"), (PROMO, "Promotion")]

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coupons")
    code = models.CharField(max_length=32, unique=True)
    kind = models.CharField(max_length=16, choices=KINDS)
    percent_off = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # The natural key that makes the welcome coupon once-only, whatever the inbox says.
            models.UniqueConstraint(fields=["user"], condition=models.Q(kind="welcome"),
                                    name="one_welcome_coupon_per_user"),
        ]
