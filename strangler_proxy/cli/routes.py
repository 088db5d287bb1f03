"""`strangler routes|flip|history|kill-switch|override-token`: the control plane from a shell.

The commands write the route store directly; running workers pick changes up (Redis pub/sub,
or the SQLite version poll) without a restart.
"""
from __future__ import annotations

import click

from strangler_proxy.cli._shared import (
    CommandFailed,
    default_actor,
    echo_json,
    echo_table,
    failures_as_messages,
    open_table,
    settings_from_env,
    store_from,
)
from strangler_proxy.control import kill_switch_set, route_flip, route_rows
from strangler_proxy.routing.model import Mode
from strangler_proxy.routing.overrides import MAX_TTL_SECONDS, TARGETS, override_token_create
from strangler_proxy.shadow.gate import gate_evidence_from

__all__ = ["register"]

_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


@click.command("routes")
@_json_option
def routes(as_json: bool) -> None:
    """List routes with their current mode (also validates the route file)."""
    with failures_as_messages():
        settings = settings_from_env()
        table = open_table(settings)
        store = store_from(settings)
        try:
            snapshot = store.snapshot()
        finally:
            store.close()
    rows = route_rows(table, snapshot)
    if as_json:
        echo_json({"version": snapshot.version, "kill_switch": snapshot.kill_switch, "store": store.kind,
                   "routes_file": table.source, "routes": rows})
        return
    click.echo(f"{table.source}: {len(rows)} routes · table version {snapshot.version} · "
               f"kill switch {'ON (everything to the monolith)' if snapshot.kill_switch else 'off'} · "
               f"store {store.kind}")
    echo_table(
        ("ROUTE", "CONTEXT", "METHODS", "PATHS", "BACKEND", "MODE"),
        [(r["id"], r["context"], ",".join(r["methods"]), " ".join(r["paths"]), r["backend"] or "monolith",
          r["mode"] + (f" {r['percent']}%" if r["percent"] else "")) for r in rows])


@click.command("flip")
@click.argument("route_id", metavar="ROUTE")
@click.argument("mode", type=click.Choice([m.value for m in Mode]))
@click.option("--percent", default=None, help="Canary share, 0.01 to 100 (0.01% resolution).")
@click.option("--reason", required=True, help="Why: goes into the audit log.")
@click.option("--actor", default=None, help="Who: defaults to cli:<user>@<host>.")
@click.option("--force", is_flag=True, help="Go to extracted without the shadow evidence the gate asks for "
                                            "(the audit log says so).")
@_json_option
def flip(route_id: str, mode: str, percent: str | None, reason: str, actor: str | None, force: bool,
         as_json: bool) -> None:
    """Change a route's mode; every running worker applies it without a restart.

    A flip to `extracted` needs shadow evidence (see `strangler compare`) unless --force.
    """
    with failures_as_messages():
        settings = settings_from_env()
        table = open_table(settings)
        store = store_from(settings)
        try:
            entry = route_flip(table=table, store=store, route_id=route_id, mode=mode, percent=percent,
                               actor=actor or default_actor(), reason=reason,
                               evidence=gate_evidence_from(settings, store.kind), force=force)
        finally:
            store.close()
    if as_json:
        echo_json(entry.as_dict())
        return
    click.echo(f"{route_id}: {_state(entry.before)} -> {_state(entry.after)} (table version {entry.version})")


@click.command("history")
@click.option("--route", "route_id", default=None, help="Only this route (or 'kill-switch').")
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True)
@_json_option
def history(route_id: str | None, limit: int, as_json: bool) -> None:
    """Show the audit log, newest first."""
    with failures_as_messages():
        store = store_from(settings_from_env())
        try:
            entries = store.history(subject=route_id, limit=limit)
        finally:
            store.close()
    if as_json:
        echo_json([e.as_dict() for e in entries])
        return
    echo_table(("VERSION", "AT", "ACTOR", "SUBJECT", "BEFORE", "AFTER", "REASON"),
               [(e.version, e.at, e.actor, e.subject, _state(e.before), _state(e.after), e.reason)
                for e in entries])


@click.command("kill-switch")
@click.argument("state", required=False, type=click.Choice(["on", "off"]))
@click.option("--reason", default=None, help="Why: goes into the audit log (required to change it).")
@click.option("--actor", default=None, help="Who: defaults to cli:<user>@<host>.")
@_json_option
def kill_switch(state: str | None, reason: str | None, actor: str | None, as_json: bool) -> None:
    """Send everything to the monolith at once (on), or route normally again (off); no STATE shows it."""
    with failures_as_messages():
        store = store_from(settings_from_env())
        try:
            if state is None:
                snapshot = store.snapshot()
                if as_json:
                    echo_json({"on": snapshot.kill_switch, "version": snapshot.version})
                else:
                    click.echo(f"kill switch {'on' if snapshot.kill_switch else 'off'} "
                               f"(table version {snapshot.version})")
                return
            if not reason:
                raise CommandFailed("--reason is required to change the kill switch")
            entry = kill_switch_set(store=store, on=state == "on", actor=actor or default_actor(), reason=reason)
        finally:
            store.close()
    if as_json:
        echo_json(entry.as_dict())
    else:
        click.echo(f"kill switch {state} (table version {entry.version})")


@click.command("override-token")
@click.option("--target", type=click.Choice(TARGETS), required=True, help="Side to force.")
@click.option("--ttl", type=click.IntRange(1, MAX_TTL_SECONDS), default=3600, show_default=True,
              help="Seconds until the token expires.")
@click.option("--route", "route_ids", multiple=True, help="Limit to these routes (repeatable).")
def override_token(target: str, ttl: int, route_ids: tuple[str, ...]) -> None:
    """Print a signed QA override token (send it as X-Strangler-Override)."""
    with failures_as_messages():
        settings = settings_from_env()
        if not settings.admin_token:
            raise CommandFailed("STRANGLER_ADMIN_TOKEN (or _FILE) must be set: it signs override tokens")
        if route_ids:
            table = open_table(settings)
            unknown = [r for r in route_ids if table.route(r) is None]
            if unknown:
                raise CommandFailed(f"unknown route(s): {', '.join(unknown)}")
        click.echo(override_token_create(secret=settings.signing_secret, target=target, ttl_seconds=ttl,
                                         routes=route_ids or None))


def _state(data: dict) -> str:
    if "on" in data and "mode" not in data:
        return "on" if data["on"] else "off"
    mode = data.get("mode", "?")
    return f"{mode} {data.get('percent')}%" if mode == "canary" else str(mode)


def register(main: click.Group) -> None:
    """Add the control-plane commands."""
    for command in (routes, flip, history, kill_switch, override_token):
        main.add_command(command)
