from django.apps import AppConfig


class CouponsConfig(AppConfig):
    name = "monolith.coupons"
    label = "coupons"
