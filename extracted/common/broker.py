"""The Celery app of a service: the same broker and task profile as the monolith.

Broker: CELERY_BROKER_URL, else REDIS_URL, else kombu's filesystem transport in
STRANGLER_VAR_DIR/broker (the monolith's default, so both sides meet with no server).
"""
from __future__ import annotations

from pathlib import Path

from celery import Celery

__all__ = ["broker_options", "make_celery"]


def broker_options(broker_url: str, var_dir: Path) -> dict:
    if broker_url.startswith("filesystem"):
        folder = var_dir / "broker"
        for name in ("queue", "processed", "control"):
            (folder / name).mkdir(parents=True, exist_ok=True)
        return {"data_folder_in": str(folder / "queue"), "data_folder_out": str(folder / "queue"),
                "processed_folder": str(folder / "processed"), "control_folder": str(folder / "control"),
                "store_processed": False}
    return {"visibility_timeout": 3600}


def make_celery(name: str, *, broker_url: str, var_dir: Path, queues: list[str]) -> Celery:
    """A Celery app whose tasks default to the first of `queues`, delivered at least once."""
    app = Celery(name, broker=broker_url, set_as_current=False)
    app.conf.update(
        broker_transport_options=broker_options(broker_url, var_dir),
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        task_default_queue=queues[0] if queues else "celery",
        worker_hijack_root_logger=False,
    )
    return app
