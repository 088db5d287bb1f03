"""The monolith's Celery app: broker and profile from Django settings (CELERY_*)."""
from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monolith.settings.local")

app = Celery("monolith")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["monolith.coupons", "monolith.notifications", "monolith.outbox"])


def ensure_broker_folders() -> None:
    """Create the filesystem transport's folders; kombu does not."""
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder"):
        if options.get(key):
            os.makedirs(options[key], exist_ok=True)
