"""The extracted notifications service: the monolith's notifications API, its own database.

`create_app(config)` builds the Flask app; `python -m extracted.notifications` serves
it on 8002 and `python -m extracted.notifications worker` writes the messages for
UserSignedUp and OrderPlaced once the monolith routes those events here.
"""
from __future__ import annotations

from extracted.common.app import ServiceFlask, runtime_app
from extracted.notifications.config import NotificationsConfig, read_config
from extracted.notifications.runtime import NotificationsRuntime

__all__ = ["create_app"]


def create_app(config: NotificationsConfig | None = None, *, init_schema: bool = True) -> ServiceFlask:
    """Build the notifications service; `config` defaults to the environment's."""
    from extracted.notifications.api import bp as api_bp
    from extracted.notifications.internal import data_bp

    runtime = NotificationsRuntime.build(config or read_config())
    if init_schema:
        runtime.init_schema()
    return runtime_app(__name__, runtime, blueprints=[api_bp, data_bp])
