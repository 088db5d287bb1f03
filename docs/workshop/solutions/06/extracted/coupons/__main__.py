"""`python -m extracted.coupons [serve|initdb]`: run the coupons service."""
from __future__ import annotations

import sys

import click

from extracted.coupons.config import ConfigError, read_config


def _config():
    try:
        return read_config()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


@click.group(invoke_without_command=True)
@click.pass_context
def main(ctx: click.Context) -> None:
    """The extracted coupons service (serves the API when no command is given)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(serve)


@main.command()
def serve() -> None:
    """Serve the API with gunicorn on COUPONS_HOST:COUPONS_PORT (default 127.0.0.1:8003)."""
    from extracted.common.server import serve as run
    from extracted.coupons import create_app
    from extracted.coupons.runtime import CouponsRuntime

    config = _config()
    CouponsRuntime.build(config).init_schema()
    run(lambda: create_app(config, init_schema=False), host=config.host, port=config.port,
        workers=config.workers, threads=config.threads)


@main.command()
def initdb() -> None:
    """Create the service's tables (serve also does this on start)."""
    from extracted.coupons.runtime import CouponsRuntime

    CouponsRuntime.build(_config()).init_schema()
    click.echo("coupons tables ready")


if __name__ == "__main__":
    sys.exit(main())
