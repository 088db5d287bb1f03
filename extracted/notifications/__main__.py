"""`python -m extracted.notifications [serve|worker|initdb]`: run one part of the service."""
from __future__ import annotations

import sys

import click

from extracted.notifications.config import ConfigError, read_config


def _config():
    try:
        return read_config()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


@click.group(invoke_without_command=True)
@click.pass_context
def main(ctx: click.Context) -> None:
    """The extracted notifications service (serves the API when no command is given)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(serve)


@main.command()
def serve() -> None:
    """Serve the API with gunicorn on NOTIFICATIONS_HOST:NOTIFICATIONS_PORT (default 127.0.0.1:8002)."""
    from extracted.common.server import serve as run
    from extracted.notifications import create_app
    from extracted.notifications.runtime import NotificationsRuntime

    config = _config()
    NotificationsRuntime.build(config).init_schema()
    run(lambda: create_app(config, init_schema=False), host=config.host, port=config.port,
        workers=config.workers, threads=config.threads)


@main.command()
@click.option("--concurrency", default=2, show_default=True, help="Worker threads.")
def worker(concurrency: int) -> None:
    """Write messages for UserSignedUp and OrderPlaced from queue sub.notifications.service."""
    from extracted.notifications.runtime import EVENTS_QUEUE, NotificationsRuntime
    from extracted.notifications.tasks import register_tasks

    runtime = NotificationsRuntime.build(_config())
    runtime.init_schema()
    register_tasks(runtime)
    runtime.celery.worker_main(["worker", "--queues", EVENTS_QUEUE, "--pool", "threads",
                                "--concurrency", str(concurrency), "--loglevel", "INFO",
                                "--without-gossip", "--without-mingle", "--without-heartbeat"])


@main.command()
def initdb() -> None:
    """Create the service's tables (serve and worker also do this on start)."""
    from extracted.notifications.runtime import NotificationsRuntime

    NotificationsRuntime.build(_config()).init_schema()
    click.echo("notifications tables ready")


if __name__ == "__main__":
    sys.exit(main())
