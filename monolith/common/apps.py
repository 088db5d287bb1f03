from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "monolith.common"
    label = "common"

    def ready(self) -> None:
        from monolith.common import schema  # noqa: F401  (registers the OpenAPI extension)
