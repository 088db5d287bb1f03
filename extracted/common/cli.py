"""The command line of a service: `python -m extracted.<name> [serve|worker|relay|initdb]`.

Every service serves its API (also when no command is given) and creates its tables;
a service with a worker or a relay says what they run. Each command reads the
settings first, so a bad value is one line naming the variable and exit status 1.
"""
from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass
from typing import Any, Callable

import click

from extracted.common.runtime import ServiceRuntime
from extracted.common.settings import ConfigError, ServiceConfig

__all__ = ["Relay", "Worker", "service_cli"]


@dataclass(frozen=True)
class Worker:
    """The service's Celery worker on its runtime's queue: what it does and which tasks it runs."""

    help: str
    register_tasks: Callable[[Any], object]
    concurrency: int = 1


@dataclass(frozen=True)
class Relay:
    """A loop publishing the service's own events: `run(runtime, interval=..., stop=...)` until `stop` is set."""

    help: str
    run: Callable[..., None]


def service_cli(config_type: type[ServiceConfig], *, read_config: Callable[[], ServiceConfig],
                runtime: type[ServiceRuntime], create_app: Callable[..., Any],
                worker: Worker | None = None, relay: Relay | None = None) -> click.Group:
    """Build the service's command group from its settings class, runtime, app factory and hooks."""
    name = config_type.service
    prefix = name.upper()

    def settings() -> ServiceConfig:
        try:
            return read_config()
        except ConfigError as error:
            raise click.ClickException(str(error)) from None

    def started() -> Any:
        parts = runtime.build(settings())
        parts.init_schema()
        return parts

    @click.group(invoke_without_command=True,
                 help=f"The extracted {name} service (serves the API when no command is given).")
    @click.pass_context
    def main(ctx: click.Context) -> None:
        if ctx.invoked_subcommand is None:
            ctx.invoke(serve)

    @main.command(help=f"Serve the API with gunicorn on {prefix}_HOST:{prefix}_PORT "
                       f"(default 127.0.0.1:{config_type.default_port()}).")
    def serve() -> None:
        from extracted.common.server import serve as run

        config = settings()
        runtime.build(config).init_schema()
        run(lambda: create_app(config, init_schema=False), host=config.host, port=config.port,
            workers=config.workers, threads=config.threads)

    starting = ["serve"]
    if worker is not None:
        starting.append("worker")
        _add_worker(main, worker, started)
    if relay is not None:
        starting.append("relay")
        _add_relay(main, relay, started)

    @main.command(help=f"Create the service's tables ({_also(starting)} on start).")
    def initdb() -> None:
        started()
        click.echo(f"{name} tables ready")

    return main


def _add_worker(main: click.Group, worker: Worker, started: Callable[[], Any]) -> None:
    @main.command(name="worker", help=worker.help)
    @click.option("--concurrency", default=worker.concurrency, show_default=True, help="Worker threads.")
    def run_worker(concurrency: int) -> None:
        parts = started()
        worker.register_tasks(parts)
        parts.celery.worker_main(["worker", "--queues", parts.queue, "--pool", "threads",
                                  "--concurrency", str(concurrency), "--loglevel", "INFO",
                                  "--without-gossip", "--without-mingle", "--without-heartbeat"])


def _add_relay(main: click.Group, relay: Relay, started: Callable[[], Any]) -> None:
    @main.command(name="relay", help=relay.help)
    @click.option("--interval", default=1.0, show_default=True, help="Seconds between idle passes.")
    def run_relay(interval: float) -> None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        parts = started()
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        relay.run(parts, interval=interval, stop=stop)


def _also(commands: list[str]) -> str:
    """'serve also does this', 'serve and worker also do this', 'serve, worker and relay also do this'."""
    if len(commands) == 1:
        return f"{commands[0]} also does this"
    return f"{', '.join(commands[:-1])} and {commands[-1]} also do this"
