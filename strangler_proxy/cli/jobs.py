"""`strangler jobs relay|status|dead-letters|retry|prune`: the monolith's side jobs from a shell.

The commands run inside the monolith (its settings, database and broker, from the
same environment variables) and call its services; nothing here knows the tables.
"""
from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Sequence
from typing import Any

import click

__all__ = ["register"]


class CommandFailed(click.ClickException):
    """A one-line error on stderr and exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"strangler: {self.format_message()}", err=True)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2))


def echo_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(h) for h in headers]] + [["-" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for index, row in enumerate(cells):
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
        if index == 0:
            click.echo("  ".join("-" * width for width in widths))

_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monolith.settings.local")
    import django

    django.setup()


@contextlib.contextmanager
def _monolith() -> Iterator[None]:
    """Set the monolith up, and turn its failures into one line on stderr."""
    try:
        _django()
    except Exception as error:  # bad settings: say which, never a traceback
        raise CommandFailed(f"cannot load the monolith's settings: {error}") from None
    from django.db import DatabaseError

    from monolith.outbox.errors import JobsError

    try:
        yield
    except JobsError as error:
        raise CommandFailed(str(error)) from None
    except DatabaseError as error:
        raise CommandFailed(f"database: {str(error).strip().splitlines()[0]} "
                            "(is it migrated? python -m monolith migrate)") from None


@click.group("jobs")
def jobs() -> None:
    """Side jobs: the outbox relay, its lag, jobs that failed for good, and pruning."""


@jobs.command("relay")
@click.option("--batch-size", type=click.IntRange(min=1), default=None, help="Events per broker round trip.")
@click.option("--wait", is_flag=True, help="On SQLite, stand by while another relay runs instead of refusing.")
@click.option("--once", is_flag=True, help="Publish what is pending, then exit.")
def relay(batch_size: int | None, wait: bool, once: bool) -> None:
    """Publish unsent outbox events to every subscriber's queue until stopped (Ctrl-C)."""
    with _monolith():
        from monolith.outbox import metrics
        from monolith.outbox.runner import RelayOptions, run_relay

        metrics.use_multiprocess()
        total = run_relay(RelayOptions.from_settings(batch_size=batch_size, wait_for_lock=wait, once=once))
    if once:
        click.echo(f"published {total} events")


@jobs.command("status")
@_json_option
def status(as_json: bool) -> None:
    """Outbox lag, unsent events, dead letters waiting, and the broker in use."""
    with _monolith():
        from monolith.celery import app
        from monolith.outbox.profile import broker_description
        from monolith.outbox.selectors import outbox_stats

        stats = outbox_stats()
        broker = broker_description(app).removeprefix("broker: ")
    if as_json:
        echo_json({"unsent": stats.unsent, "lag_seconds": round(stats.lag_seconds, 3),
                   "dead_letters": stats.dead_letters, "broker": broker})
        return
    echo_table(("UNSENT", "LAG", "DEAD LETTERS", "BROKER"),
               [(stats.unsent, f"{stats.lag_seconds:.1f}s", stats.dead_letters, broker)])


def _row(letter) -> dict:
    return {"id": letter.pk, "task": letter.task_name, "queue": letter.queue, "consumer": letter.consumer,
            "event_id": str(letter.event_id) if letter.event_id else None, "attempts": letter.attempts,
            "error": letter.error, "failed_at": letter.failed_at.isoformat(),
            "replayed_at": letter.replayed_at.isoformat() if letter.replayed_at else None,
            "replays": letter.replays}


@jobs.command("dead-letters")
@click.option("--all", "include_replayed", is_flag=True, help="Include the ones already retried.")
@_json_option
def dead_letters(include_replayed: bool, as_json: bool) -> None:
    """List side jobs that failed after every retry, oldest first."""
    with _monolith():
        from monolith.outbox.selectors import dead_letter_list

        rows = [_row(letter) for letter in dead_letter_list(include_replayed=include_replayed)]
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("no dead letters")
        return
    echo_table(("ID", "CONSUMER", "EVENT", "ATTEMPTS", "FAILED AT", "REPLAYED", "ERROR"),
               [(r["id"], r["consumer"] or r["task"], r["event_id"], r["attempts"], r["failed_at"][:19],
                 (r["replayed_at"] or "")[:19] or None, r["error"][:60]) for r in rows])


@jobs.command("retry")
@click.argument("dead_letter_id", metavar="ID", required=False)
@click.option("--all", "retry_all", is_flag=True, help="Retry every dead letter that waits.")
@_json_option
def retry(dead_letter_id: str | None, retry_all: bool, as_json: bool) -> None:
    """Send dead letters back to their queues (one by ID, or --all); inboxes absorb repeats."""
    if (dead_letter_id is None) == (not retry_all):
        raise CommandFailed("give a dead letter ID or --all (not both)")
    if dead_letter_id is not None and not dead_letter_id.isdigit():
        raise CommandFailed(f"a dead letter ID is a number, not {dead_letter_id!r}")
    with _monolith():
        from monolith.outbox.services import dead_letter_retry, dead_letter_retry_all

        done = (dead_letter_retry_all() if retry_all
                else [dead_letter_retry(dead_letter_id=int(dead_letter_id))])
    if as_json:
        echo_json([_row(letter) for letter in done])
        return
    click.echo(f"sent {len(done)} dead letter(s) back to their queues"
               + (f": {', '.join(str(letter.pk) for letter in done)}" if done else ""))


MAX_RETENTION_DAYS = 36_500


def _days(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        days = float(value)
    except ValueError:
        days = float("nan")
    if not 0 <= days <= MAX_RETENTION_DAYS:  # NaN fails this too
        raise CommandFailed(f"--older-than is a number of days from 0 to {MAX_RETENTION_DAYS}, not {value!r}")
    return days


@jobs.command("prune")
@click.option("--older-than", "older_than", metavar="DAYS", default=None,
              help="Retention in days (default STRANGLER_JOBS_RETENTION_DAYS, 7).")
@click.option("--batch-size", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Rows deleted per statement.")
@_json_option
def prune(older_than: str | None, batch_size: int, as_json: bool) -> None:
    """Delete sent outbox events, inbox rows and job start counts older than DAYS; unsent events stay.

    Inbox rows stop duplicate deliveries, so a retention shorter than a duplicate can
    still arrive (the broker's visibility timeout, the retry cap and the hard time
    limit together) is refused. The relay prunes on its own every
    STRANGLER_JOBS_PRUNE_INTERVAL_SECONDS.
    """
    days = _days(older_than)
    with _monolith():
        from datetime import timedelta

        from django.conf import settings

        from monolith.outbox.services import outbox_prune

        days = settings.STRANGLER["JOBS"].retention_days if days is None else days
        pruned = outbox_prune(older_than=timedelta(days=days), batch_size=batch_size)
    if as_json:
        echo_json({"older_than_days": days, "events": pruned.events, "inbox_entries": pruned.inbox_entries,
                   "job_starts": pruned.job_starts})
        return
    click.echo(f"pruned {pruned.events} sent events, {pruned.inbox_entries} inbox rows and "
               f"{pruned.job_starts} job start counts older than {days:g} days")


def register(main: click.Group) -> None:
    main.add_command(jobs)
