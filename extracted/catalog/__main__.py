"""`python -m extracted.catalog [serve|worker|relay|initdb]`: run one part of the catalog service."""
from __future__ import annotations

import logging
import signal
import sys
import threading

import click

from extracted.catalog.config import ConfigError, read_config


def _config():
    try:
        return read_config()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


@click.group(invoke_without_command=True)
@click.pass_context
def main(ctx: click.Context) -> None:
    """The extracted catalog service (serves the API when no command is given)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(serve)


@main.command()
def serve() -> None:
    """Serve the API with gunicorn on CATALOG_HOST:CATALOG_PORT (default 127.0.0.1:8001)."""
    from extracted.catalog import create_app
    from extracted.catalog.runtime import CatalogRuntime
    from extracted.common.server import serve as run

    config = _config()
    CatalogRuntime.build(config).init_schema()
    run(lambda: create_app(config, init_schema=False), host=config.host, port=config.port,
        workers=config.workers, threads=config.threads)


@main.command()
@click.option("--concurrency", default=1, show_default=True, help="Worker threads.")
def worker(concurrency: int) -> None:
    """Apply the monolith's product events from queue sub.catalog.sync."""
    from extracted.catalog.runtime import SYNC_QUEUE, CatalogRuntime
    from extracted.catalog.tasks import register_tasks

    runtime = CatalogRuntime.build(_config())
    runtime.init_schema()
    register_tasks(runtime)
    runtime.celery.worker_main(["worker", "--queues", SYNC_QUEUE, "--pool", "threads",
                                "--concurrency", str(concurrency), "--loglevel", "INFO",
                                "--without-gossip", "--without-mingle", "--without-heartbeat"])


@main.command()
@click.option("--interval", default=1.0, show_default=True, help="Seconds between idle passes.")
def relay(interval: float) -> None:
    """Publish this service's outbox events to the monolith's read copy, until stopped."""
    from extracted.catalog.relay import relay_forever
    from extracted.catalog.runtime import CatalogRuntime

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    runtime = CatalogRuntime.build(_config())
    runtime.init_schema()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    relay_forever(runtime.db, runtime.send, interval=interval, stop=stop)


@main.command()
def initdb() -> None:
    """Create the service's tables (serve, worker and relay also do this on start)."""
    from extracted.catalog.runtime import CatalogRuntime

    CatalogRuntime.build(_config()).init_schema()
    click.echo("catalog tables ready")


if __name__ == "__main__":
    sys.exit(main())
