"""`python -m extracted.catalog [serve|worker|relay|initdb]`: run one part of the catalog service."""
from __future__ import annotations

import sys
import threading

from extracted.catalog import create_app
from extracted.catalog.config import CatalogConfig, read_config
from extracted.catalog.relay import relay_forever
from extracted.catalog.runtime import CatalogRuntime
from extracted.catalog.tasks import register_tasks
from extracted.common.cli import Relay, Worker, service_cli


def _relay(runtime: CatalogRuntime, *, interval: float, stop: threading.Event) -> None:
    relay_forever(runtime.db, runtime.send, interval=interval, stop=stop)


main = service_cli(
    CatalogConfig, read_config=read_config, runtime=CatalogRuntime, create_app=create_app,
    worker=Worker("Apply the monolith's product events from queue sub.catalog.sync.", register_tasks),
    relay=Relay("Publish this service's outbox events to the monolith's read copy, until stopped.", _relay),
)

if __name__ == "__main__":
    sys.exit(main())
