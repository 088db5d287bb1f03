"""`strangler data backfill|verify|status CONTEXT`: move a context's data into its service.

The work lives with the services (extracted/common/migration and each service's
migration package); these commands read the monolith's database by URL and talk
to the service's internal data endpoints. Exit codes: 0 done (verify: no drift),
1 verify found drift, 2 the command could not run (one line on stderr).

    STRANGLER_MONOLITH_DATABASE_URL        the monolith's database, else DATABASE_URL (the monolith's own
                                           variable), else its SQLite file in $STRANGLER_VAR_DIR
    STRANGLER_CATALOG_SERVICE_URL          http://127.0.0.1:8001
    STRANGLER_NOTIFICATIONS_SERVICE_URL    http://127.0.0.1:8002
    STRANGLER_COUPONS_SERVICE_URL          http://127.0.0.1:8003  (coupons: the workshop's module 6)
    STRANGLER_JWT_SECRET                   signs the short-lived service token
"""
from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import click

__all__ = ["register"]

ROOT = Path(__file__).resolve().parents[2]
CONTEXTS = ("catalog", "notifications", "coupons")
_SERVICE_URLS = {"catalog": ("STRANGLER_CATALOG_SERVICE_URL", "http://127.0.0.1:8001"),
                 "notifications": ("STRANGLER_NOTIFICATIONS_SERVICE_URL", "http://127.0.0.1:8002"),
                 "coupons": ("STRANGLER_COUPONS_SERVICE_URL", "http://127.0.0.1:8003")}
# The monolith's development default (monolith/settings/env.py).
_DEV_JWT_SECRET = "dev-insecure-jwt-secret-change-me-in-production"


class CommandFailed(click.ClickException):
    """A one-line error on stderr and exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"strangler: {self.format_message()}", err=True)


def _echo_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(h) for h in headers]] + [["-" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for index, row in enumerate(cells):
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
        if index == 0:
            click.echo("  ".join("-" * width for width in widths))


def _default_monolith_url() -> str:
    var_dir = Path(os.environ.get("STRANGLER_VAR_DIR") or ROOT / ".var")
    return f"sqlite:///{var_dir / 'monolith.sqlite3'}"


def _context_spec(name: str):
    if name == "catalog":
        from extracted.catalog.migration.tables import CATALOG

        return CATALOG
    if name == "coupons":  # written by the learner in the workshop's module 6
        try:
            from extracted.coupons.migration.tables import COUPONS
        except ImportError as error:
            raise CommandFailed(f"extracted/coupons cannot be used yet ({error}): "
                                "it is the workshop's module 6, docs/workshop/06-extract-coupons.md") from None
        return COUPONS
    from extracted.notifications.migration.tables import NOTIFICATIONS

    return NOTIFICATIONS


@contextlib.contextmanager
def _endpoints(context: str, monolith_url: str | None, service_url: str | None,
               jwt_secret: str) -> Iterator[tuple[Any, Any, Any]]:
    """The context's spec, the monolith's database and the service client; errors as one line."""
    from extracted.common.migration.client import ServiceClient
    from extracted.common.migration.errors import MigrationError
    from extracted.common.migration.source import MonolithSource

    variable, default = _SERVICE_URLS[context]
    spec = _context_spec(context)
    source = client = None
    try:
        source = MonolithSource(monolith_url or _default_monolith_url())
        client = ServiceClient(base_url=service_url or os.environ.get(variable) or default,
                               context=spec, jwt_secret=jwt_secret)
        yield spec, source, client
    except MigrationError as error:
        raise CommandFailed(str(error)) from None
    except KeyboardInterrupt:
        raise CommandFailed("interrupted; run the command again to continue from the watermark") from None
    finally:
        if client is not None:
            client.close()
        if source is not None:
            source.close()


_context_argument = click.argument("context", type=click.Choice(CONTEXTS))
_monolith_option = click.option(
    "--monolith-database-url", "monolith_url", envvar=["STRANGLER_MONOLITH_DATABASE_URL", "DATABASE_URL"],
    help="The monolith's database URL (default: $DATABASE_URL, else its SQLite file in $STRANGLER_VAR_DIR).")
_service_option = click.option(
    "--service-url", help="The service's base URL (default: STRANGLER_<CONTEXT>_SERVICE_URL).")
_secret_option = click.option(
    "--jwt-secret", envvar="STRANGLER_JWT_SECRET", default=_DEV_JWT_SECRET, show_default=False,
    help="The shared token secret (STRANGLER_JWT_SECRET).")
_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


@click.group("data")
def data() -> None:
    """Copy a context's data from the monolith into its service, and check it."""


@data.command()
@_context_argument
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 5000),
              help="Rows per batch (one transaction in the service each).")
@click.option("--restart", is_flag=True, help="Start again from the first row (rows already there stay).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@_monolith_option
@_service_option
@_secret_option
@_json_option
def backfill(context: str, batch_size: int, restart: bool, quiet: bool, monolith_url: str | None,
             service_url: str | None, jwt_secret: str, as_json: bool) -> None:
    """Copy CONTEXT's rows into its service, resuming where the last run stopped."""
    from extracted.common.migration.backfill import backfill as run

    with _endpoints(context, monolith_url, service_url, jwt_secret) as (spec, source, client):
        report = run(spec, source=source, client=client, batch_size=batch_size, restart=restart,
                     progress=not quiet and not as_json)
    rows = [(t.table, t.started_at, t.last_id, t.rows, t.applied, t.batches) for t in report.tables]
    if as_json:
        click.echo(json.dumps({"context": context, "tables": [
            dict(zip(("table", "from_id", "to_id", "rows", "applied", "batches"), row)) for row in rows]},
            indent=2))
        return
    _echo_table(("table", "from id", "to id", "rows read", "rows changed", "batches"), rows)


@data.command()
@_context_argument
@click.option("--range-size", default=1000, show_default=True, type=click.IntRange(1, 1_000_000),
              help="Ids per checksum range.")
@click.option("--rechecks", default=0, show_default=True, type=click.IntRange(0, 100),
              help="Look again at drifted rows this many times (sync still in flight).")
@click.option("--pause", default=1.0, show_default=True, type=click.FloatRange(0, 60),
              help="Seconds between rechecks.")
@_monolith_option
@_service_option
@_secret_option
@_json_option
def verify(context: str, range_size: int, rechecks: int, pause: float, monolith_url: str | None,
           service_url: str | None, jwt_secret: str, as_json: bool) -> None:
    """Compare CONTEXT in the monolith and its service; exit 1 and list every drifted row."""
    from extracted.common.migration.verify import verify as run

    with _endpoints(context, monolith_url, service_url, jwt_secret) as (spec, source, client):
        report = run(spec, source=source, client=client, range_size=range_size, rechecks=rechecks,
                     pause=pause)
    if as_json:
        click.echo(json.dumps({
            "context": context, "clean": report.clean,
            "tables": [{"table": t.table, "monolith_count": t.monolith_count, "service_count": t.service_count,
                        "ranges": t.ranges, "drifted_ranges": t.drifted_ranges} for t in report.tables],
            "drift": [{"table": d.table, "id": d.id, "problem": d.problem, "fields": list(d.fields),
                       "monolith": d.monolith, "service": d.service} for d in report.drift],
        }, indent=2))
    else:
        _echo_table(("table", "monolith rows", "service rows", "ranges", "drifted ranges", "drifted rows"),
                    [(t.table, t.monolith_count, t.service_count, t.ranges, len(t.drifted_ranges),
                      len(t.drift)) for t in report.tables])
        if report.drift:
            click.echo("")
            _echo_table(("table", "id", "problem", "fields"),
                        [(d.table, d.id, d.problem, ",".join(d.fields)) for d in report.drift])
        click.echo("" if report.clean else "\n", nl=False)
        click.echo("no drift" if report.clean else "DRIFT: the copies differ; do not cut over")
    sys.exit(0 if report.clean else 1)


@data.command()
@_context_argument
@_monolith_option
@_service_option
@_secret_option
@_json_option
def status(context: str, monolith_url: str | None, service_url: str | None, jwt_secret: str,
           as_json: bool) -> None:
    """Show each table's backfill watermark and row counts on both sides."""
    with _endpoints(context, monolith_url, service_url, jwt_secret) as (spec, source, client):
        rows = []
        for table in spec.tables:
            count, _, high = source.bounds(table)
            service_count, _, _ = client.bounds(table)
            rows.append((table.name, client.watermark(table), high, count, service_count))
    if as_json:
        click.echo(json.dumps([dict(zip(("table", "watermark", "monolith_max_id", "monolith_rows",
                                         "service_rows"), row)) for row in rows], indent=2))
        return
    _echo_table(("table", "watermark", "monolith max id", "monolith rows", "service rows"), rows)


def register(main: click.Group) -> None:
    main.add_command(data)
