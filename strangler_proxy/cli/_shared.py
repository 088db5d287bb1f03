"""What the proxy's commands share: settings, the table, the store, errors and table output."""
from __future__ import annotations

import contextlib
import getpass
import json
import socket
from collections.abc import Iterator, Sequence
from typing import Any

import click

from strangler_proxy.config import ProxySettings
from strangler_proxy.errors import RouteTableError, StranglerError
from strangler_proxy.routing.model import RouteTable
from strangler_proxy.routing.table import load_table
from strangler_proxy.store import RouteStore, open_store

__all__ = ["CommandFailed", "default_actor", "echo_json", "echo_table", "failures_as_messages", "open_table", "settings_from_env",
           "store_from"]


class CommandFailed(click.ClickException):
    """A one-line error on stderr and exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"strangler: {self.format_message()}", err=True)


@contextlib.contextmanager
def failures_as_messages() -> Iterator[None]:
    """Turn the package's errors into a one-line message and a non-zero exit."""
    try:
        yield
    except RouteTableError as error:
        raise CommandFailed("route file refused: " + "; ".join(error.problems)) from None
    except StranglerError as error:
        raise CommandFailed(str(error)) from None


def settings_from_env(**overrides: object) -> ProxySettings:
    """Read the settings, command-line options winning."""
    return ProxySettings.from_env().with_overrides(**overrides)


def open_table(settings: ProxySettings) -> RouteTable:
    """Load and validate the route file."""
    return load_table(settings.routes_file, backend_urls=settings.backend_urls)


def store_from(settings: ProxySettings) -> RouteStore:
    """Open the configured route store."""
    return open_store(settings)


def default_actor() -> str:
    """Return who runs the command, for the audit log."""
    try:
        user = getpass.getuser()
    except Exception:  # no login name in some containers
        user = "unknown"
    return f"cli:{user}@{socket.gethostname()}"


def echo_json(data: Any) -> None:
    """Print JSON for scripts."""
    click.echo(json.dumps(data, indent=2, sort_keys=False))


def echo_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Print a plain aligned table."""
    cells = [[str(h) for h in headers]] + [["-" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for index, row in enumerate(cells):
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            click.echo("  ".join("-" * width for width in widths))
