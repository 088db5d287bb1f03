"""The monolith's Celery app: broker and profile from Django settings (CELERY_*).

Every subscriber (monolith.outbox.subscribers) has its own durable queue, and a
worker started without `-Q` consumes all of them. Start-up refuses an unsafe
profile (monolith.outbox.profile) and says which broker is in use.
"""
from __future__ import annotations

import logging
import os
import sys

from celery import Celery, signals
from kombu import Exchange, Queue
from kombu.transport import TRANSPORT_ALIASES

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monolith.settings.local")

# filesystem:// means kombu's transport with atomic writes (monolith.outbox.filesystem_broker).
TRANSPORT_ALIASES["filesystem"] = "monolith.outbox.filesystem_broker:Transport"

log = logging.getLogger("monolith.celery")

app = Celery("monolith")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["monolith.catalog", "monolith.coupons", "monolith.notifications", "monolith.outbox"])


def ensure_broker_folders() -> None:
    """Create the filesystem transport's folders; kombu does not."""
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            os.makedirs(options[key], exist_ok=True)


def _queues() -> list[Queue]:
    from monolith.outbox.subscribers import RELAY_QUEUE, all_queues

    return [Queue(name, Exchange(name), routing_key=name, durable=True)
            for name in [*all_queues(), RELAY_QUEUE]]


@app.on_after_configure.connect
def _configure(sender: Celery, **kwargs) -> None:
    from django.conf import settings

    from monolith.outbox.subscribers import RELAY_QUEUE

    ensure_broker_folders()
    sender.conf.task_queues = _queues()
    sender.conf.beat_schedule = {
        "outbox-relay": {
            "task": "monolith.outbox.tasks.relay_tick",
            "schedule": settings.STRANGLER["JOBS"].relay_beat_seconds,
            # A tick nobody ran in time is worthless: the next one does the same work.
            "options": {"queue": RELAY_QUEUE, "expires": settings.STRANGLER["JOBS"].relay_beat_seconds},
        },
    }
    prune_every = settings.STRANGLER["JOBS"].prune_interval_seconds
    if prune_every:
        sender.conf.beat_schedule["outbox-prune"] = {
            "task": "monolith.outbox.tasks.prune_tick", "schedule": prune_every,
            "options": {"queue": RELAY_QUEUE, "expires": prune_every},
        }


def _start_up(role: str) -> None:
    from monolith.outbox import metrics
    from monolith.outbox.errors import ProfileError
    from monolith.outbox.profile import broker_description, check_profile

    try:
        check_profile(app)
    except ProfileError as error:
        sys.stderr.write(f"celery {role}: {error}\n")
        raise SystemExit(2) from None
    metrics.use_multiprocess()
    log.warning("celery %s: %s", role, broker_description(app))


@signals.celeryd_init.connect
def _worker_start(**kwargs) -> None:
    _start_up("worker")


@signals.beat_init.connect
def _beat_start(**kwargs) -> None:
    _start_up("beat")
