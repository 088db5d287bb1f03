from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "monolith.outbox"
    label = "outbox"
