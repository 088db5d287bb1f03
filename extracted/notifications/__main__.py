"""`python -m extracted.notifications [serve|worker|initdb]`: run one part of the service."""
from __future__ import annotations

import sys

from extracted.common.cli import Worker, service_cli
from extracted.notifications import create_app
from extracted.notifications.config import NotificationsConfig, read_config
from extracted.notifications.runtime import NotificationsRuntime
from extracted.notifications.tasks import register_tasks

main = service_cli(
    NotificationsConfig, read_config=read_config, runtime=NotificationsRuntime, create_app=create_app,
    worker=Worker("Write messages for UserSignedUp and OrderPlaced from queue sub.notifications.service.",
                  register_tasks, concurrency=2),
)

if __name__ == "__main__":
    sys.exit(main())
