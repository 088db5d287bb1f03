"""`strangler up` and `strangler status`: the whole stack as local processes."""
from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request

import click

from strangler_proxy.stack.bootstrap import BootstrapFailed, admin_token_file, backfill_when_ready, stack_bootstrap
from strangler_proxy.stack.processes import stack_environment, stack_processes, stack_settings


def _state_file(settings):
    return settings.var_dir / "stack.json"


@click.command()
@click.option("--no-seed", is_flag=True, help="Migrate but do not seed the demo shop.")
def up(no_seed: bool) -> None:
    """Migrate, seed and run the whole stack; Ctrl-C stops every process."""
    from honcho.manager import Manager
    from honcho.printer import Printer

    settings = stack_settings()
    env = {**stack_environment(settings), **os.environ, "STRANGLER_VAR_DIR": str(settings.var_dir),
           "PYTHONUNBUFFERED": "1"}
    env.setdefault("DJANGO_SETTINGS_MODULE", "monolith.settings.local")
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    if not (env.get("STRANGLER_ADMIN_TOKEN") or env.get("STRANGLER_ADMIN_TOKEN_FILE")):
        env["STRANGLER_ADMIN_TOKEN_FILE"] = admin_token_file(settings)
    try:
        stack_bootstrap(settings, env, say=lambda line: click.echo(f"strangler | {line}"))
    except BootstrapFailed as error:
        raise click.ClickException(str(error))
    processes = stack_processes(settings)
    manager = Manager(Printer(sys.stdout, colour=sys.stdout.isatty()))
    for process in processes:
        manager.add_process(process.name, process.command, env={**env, **process.env})
    _state_file(settings).write_text(json.dumps({
        "host": settings.host,
        "processes": [{"name": p.name, "health": p.health_url(settings.host)} for p in processes],
    }))
    say = lambda line: click.echo(f"strangler | {line}")  # noqa: E731
    proxy = f"http://{settings.host}:{settings.ports['proxy']}"
    say(f"the shop through the proxy: {proxy}/api/v1/catalog/products/")
    say(f"dashboard:                  {proxy}/_strangler/  (admin token: {_token_hint(env)})")
    for process in processes:
        url = process.health_url(settings.host)
        if url and process.name != "proxy":
            say(f"{process.name + ' (direct)':<27} http://{settings.host}:{process.port}/")
    say("Ctrl-C stops everything.")
    backfill_when_ready(settings, env, say=say)
    manager.loop()
    sys.exit(manager.returncode)


def _token_hint(env: dict[str, str]) -> str:
    if env.get("STRANGLER_ADMIN_TOKEN_FILE"):
        return f"in {env['STRANGLER_ADMIN_TOKEN_FILE']}"
    return "STRANGLER_ADMIN_TOKEN"


def _probe(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return "up" if response.status < 500 else f"unhealthy ({response.status})"
    except urllib.error.HTTPError as error:
        return f"unhealthy ({error.code})"
    except (urllib.error.URLError, OSError):
        return "down"


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def status(as_json: bool) -> None:
    """Show each process of the stack and its health."""
    settings = stack_settings()
    state_file = _state_file(settings)
    if not state_file.exists():
        raise click.ClickException("the stack has not been started here (run `strangler up`)")
    state = json.loads(state_file.read_text())
    rows = [{"name": p["name"], "health": p["health"],
             "state": _probe(p["health"]) if p["health"] else "no health endpoint"}
            for p in state["processes"]]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    else:
        for row in rows:
            click.echo(f"{row['name']:<16} {row['state']:<22} {row['health'] or ''}")
    if any(row["state"] not in ("up", "no health endpoint") for row in rows):
        sys.exit(1)


def register(main: click.Group) -> None:
    main.add_command(up)
    main.add_command(status)
