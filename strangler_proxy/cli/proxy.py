"""`strangler proxy`: serve the routing proxy until SIGTERM or SIGINT."""
from __future__ import annotations

from pathlib import Path

import click

from strangler_proxy.cli._shared import failures_as_messages, open_table, settings_from_env

__all__ = ["register"]


@click.command("proxy")
@click.option("--host", default=None, help="Listen address [STRANGLER_PROXY_HOST, 127.0.0.1].")
@click.option("--port", type=int, default=None, help="Listen port [STRANGLER_PROXY_PORT, 8080].")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Worker processes sharing the port [STRANGLER_PROXY_WORKERS, 1].")
@click.option("--routes", "routes_file", type=click.Path(path_type=Path), default=None,
              help="Route file [STRANGLER_ROUTES, ./strangler.toml].")
def proxy(host: str | None, port: int | None, workers: int | None, routes_file: Path | None) -> None:
    """Serve the routing proxy (stops cleanly on SIGTERM/SIGINT)."""
    from strangler_proxy.server.runner import serve

    with failures_as_messages():
        settings = settings_from_env(host=host, port=port, workers=workers, routes_file=routes_file)
        open_table(settings)  # refuse to start on an invalid route file
        code = serve(settings, announce=lambda line: click.echo(line, err=True))
    raise SystemExit(code)


def register(main: click.Group) -> None:
    """Add `strangler proxy`."""
    main.add_command(proxy)
