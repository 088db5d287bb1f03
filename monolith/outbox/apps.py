from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "monolith.outbox"
    label = "outbox"

    def ready(self) -> None:
        from monolith.outbox import checks  # noqa: F401  (registers the profile check)
