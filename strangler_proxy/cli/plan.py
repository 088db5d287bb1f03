"""`strangler plan` and `strangler inventory`: the migration's state against its plan and the monolith."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from strangler_proxy.cli._shared import (
    CommandFailed,
    echo_json,
    echo_table,
    failures_as_messages,
    open_table,
    settings_from_env,
    store_from,
)

__all__ = ["register"]

DEFAULT_PLAN = Path("migrations_plan.md")


def _table_and_snapshot():
    settings = settings_from_env()
    table = open_table(settings)
    store = store_from(settings)
    try:
        return table, store.snapshot()
    finally:
        store.close()


@click.command("plan")
@click.option("--check", is_flag=True, help="Fail when the plan document and the route store disagree.")
@click.option("--file", "plan_file", type=click.Path(path_type=Path), default=DEFAULT_PLAN, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def plan(check: bool, plan_file: Path, as_json: bool) -> None:
    """Print each route's live mode beside the plan's gate and rollback."""
    from strangler_proxy.plan import live_modes, plan_check, read_plan_rows

    with failures_as_messages():
        table, snapshot = _table_and_snapshot()
        rows = read_plan_rows(plan_file)
    live = live_modes(table, snapshot)
    problems = plan_check(rows, live)
    if as_json:
        echo_json({"kill_switch": snapshot.kill_switch, "version": snapshot.version,
                   "routes": [{"route": r.route, "context": r.context, "plan": r.mode,
                               "live": live.get(r.route), "gate": r.gate, "rollback": r.rollback} for r in rows],
                   "disagreements": [str(p) for p in problems]})
    else:
        click.echo(f"table version {snapshot.version}; kill switch {'ON' if snapshot.kill_switch else 'off'}")
        echo_table(("ROUTE", "CONTEXT", "LIVE", "PLAN", "GATE TO PROMOTE"),
                   [(r.route, r.context, live.get(r.route, "(not in route table)"), r.mode, r.gate) for r in rows])
    if check and problems:
        for problem in problems:
            click.echo(f"strangler: plan disagrees: {problem}", err=True)
        sys.exit(1)


@click.command("inventory")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option("--strict", is_flag=True, help="Exit non-zero when an endpoint is named by no route.")
def inventory(as_json: bool, strict: bool) -> None:
    """List every monolith endpoint by bounded context, with the route and mode that serve it."""
    from strangler_proxy.inventory import inventory_rows, monolith_endpoints

    with failures_as_messages():
        table, snapshot = _table_and_snapshot()
        try:
            endpoints = monolith_endpoints()
        except Exception as error:  # Django could not start: say why in one line
            raise CommandFailed(f"cannot read the monolith's URLs: {error}") from None
        rows = inventory_rows(endpoints, table, snapshot)
    uncovered = [r for r in rows if r.route_id is None]
    if as_json:
        echo_json([{"context": r.context, "method": r.method, "path": r.pattern, "route": r.route_id,
                    "mode": r.mode, "covered": r.route_id is not None} for r in rows])
    else:
        for context in dict.fromkeys(r.context for r in rows):
            click.echo(f"\n[{context}]")
            echo_table(("METHOD", "PATH", "ROUTE", "MODE"),
                       [(r.method, r.pattern, r.route_id or "! no route (monolith by default)", r.mode)
                        for r in rows if r.context == context])
        click.echo(f"\n{len(rows)} endpoint methods, {len(uncovered)} named by no route.")
    if strict and uncovered:
        sys.exit(1)


def register(main: click.Group) -> None:
    main.add_command(plan)
    main.add_command(inventory)
