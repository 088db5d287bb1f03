"""`strangler workshop list|check|reset|solve|traffic|signup`: the migration workshop (docs/workshop/).

    strangler workshop list                  the modules and their goals
    strangler workshop check N               has this environment reached module N's goal? (exit 1: not yet)
    strangler workshop reset N               put the environment at module N's start
    strangler workshop solve N               apply module N's reference solution (instructors, tests)
    strangler workshop traffic               product reads through the proxy, for the shadow to compare
    strangler workshop signup [--hold S]     sign a user up; --hold keeps their welcome jobs in flight

Run from the repository (or set STRANGLER_WORKSHOP_ROOT) with the stack's variables, if any
were changed for `strangler up` (STRANGLER_PROXY_PORT, MONOLITH_PORT...). Exit codes: 0 done
(check: the goal is reached), 1 the check found something missing, 2 the command could not run.
"""
from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

import click

from strangler_proxy.cli._shared import CommandFailed, echo_json, echo_table, failures_as_messages

if TYPE_CHECKING:
    from strangler_proxy.workshop.resets import Outcome

__all__ = ["register"]

_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
_module_argument = click.argument("number", metavar="N")


def _number(raw: str) -> int:
    from strangler_proxy.workshop.registry import MODULES

    try:
        return int(raw)
    except ValueError:
        raise CommandFailed(f"N is a module number from 1 to {len(MODULES)}, not {raw!r}") from None


def _workshop():
    from strangler_proxy.workshop.environment import workshop_from_env

    return workshop_from_env()


@click.group("workshop")
def workshop() -> None:
    """The migration workshop: modules to follow on the running stack, with checks (docs/workshop/)."""
    # The monolith's logging settings (loaded by some checks) would print every HTTP request.
    logging.getLogger("httpx").setLevel(logging.WARNING)


@workshop.command("list")
@_json_option
def list_modules(as_json: bool) -> None:
    """List the modules, their pages and goals."""
    from strangler_proxy.workshop.registry import MODULES

    if as_json:
        echo_json([{"number": m.number, "title": m.title, "page": m.page, "goal": m.goal} for m in MODULES])
        return
    echo_table(("N", "MODULE", "PAGE"), [(m.number, m.title, m.page) for m in MODULES])


@workshop.command("check")
@_module_argument
@_json_option
def check(number: str, as_json: bool) -> None:
    """Say whether module N's goal is reached, and what is missing (exit 1 while something is)."""
    from strangler_proxy.workshop.checks import check_module

    with failures_as_messages():
        result = check_module(_workshop(), _number(number))
    if as_json:
        echo_json(result.to_dict())
    else:
        click.echo(f"module {result.module}: {result.title}")
        for item in result.items:
            click.echo(f"  {'ok     ' if item.ok else 'MISSING'}  {item.what}")
        if result.passed:
            click.echo(f"module {result.module} done: its goal is reached")
        else:
            click.echo(f"module {result.module} not done yet; missing:")
            for item in result.missing:
                click.echo(f"  - {item.what}" + (f": {item.hint}" if item.hint else ""))
    if not result.passed:
        sys.exit(1)


def _print_outcome(outcome: Outcome, done: str) -> None:
    for line in outcome.lines:
        click.echo(f"  {line}")
    click.echo(done)
    if outcome.restart:
        click.echo("code changed: if the stack is running, restart it (Ctrl-C in its terminal, then ./scripts/up)")


@workshop.command("reset")
@_module_argument
def reset(number: str) -> None:
    """Put the environment at module N's start (files it replaces are kept in .var/workshop/backup/)."""
    from strangler_proxy.workshop.resets import reset_module

    with failures_as_messages():
        n = _number(number)
        outcome = reset_module(_workshop(), n)
    _print_outcome(outcome, f"ready for module {n}: strangler workshop check {n} tells when its goal is reached")


@workshop.command("solve")
@_module_argument
def solve(number: str) -> None:
    """Apply module N's reference solution (docs/workshop/solutions/); for instructors and tests."""
    from strangler_proxy.workshop.solutions import solve_module

    with failures_as_messages():
        n = _number(number)
        outcome = solve_module(_workshop(), n)
    _print_outcome(outcome, f"module {n}'s reference solution is applied")


@workshop.command("traffic")
@click.option("--requests", "count", type=click.IntRange(1, 100_000), default=200, show_default=True,
              help="Product reads to send.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Requests in flight at once.")
@click.option("--users", type=click.IntRange(0, 1000), default=40, show_default=True,
              help="Signed-in demo customers taking turns (a canary is sticky per user); 0: anonymous.")
def traffic(count: int, concurrency: int, users: int) -> None:
    """Send product reads (lists, details, filters) through the proxy; show who answered."""
    from tqdm import tqdm

    from strangler_proxy.workshop.django_env import shopper_tokens
    from strangler_proxy.workshop.traffic import traffic_send

    with failures_as_messages():
        ws = _workshop()
        url = ws.proxy_url
        tokens = shopper_tokens(ws, users) if users else []
        with tqdm(total=count, unit="req", file=sys.stderr, disable=None, leave=False) as bar:
            report = traffic_send(url, requests=count, concurrency=concurrency, tokens=tokens, progress=bar.update)
    if report.answers:
        echo_table(("BACKEND", "STATUS", "ANSWERS"), report.rows())
    for name, failed in report.failures.items():
        click.echo(f"{failed} request(s) got no answer: {name}")
    if not report.answers:
        raise CommandFailed(f"the proxy does not answer on {url}: start the stack (./scripts/up)")


@workshop.command("signup")
@click.option("--hold", type=click.FloatRange(5, 19), default=None, metavar="SECONDS",
              help="Keep the welcome jobs in flight this long (5 to 19 s, under SQLite's 20 s lock wait), "
                   "to kill a worker child mid-job.")
def signup(hold: float | None) -> None:
    """Sign a user up through the proxy; with --hold, inside the monolith, holding their jobs in flight."""
    import secrets

    import httpx

    from strangler_proxy.workshop import side_jobs
    from strangler_proxy.workshop.django_env import django_ready

    with failures_as_messages():
        ws = _workshop()
        if hold is not None:
            django_ready(ws)
            signup_, counts = side_jobs.signup_held(ws, seconds=hold, say=click.echo)
            click.echo(f"user {signup_.user_id}: {counts[0]} welcome coupon(s), {counts[1]} welcome message(s)")
            if counts != (1, 1):
                sys.exit(1)
            return
        email = f"learner-{secrets.token_hex(3)}@example.com"
        try:
            with ws.proxy(timeout=30) as client:
                response = client.post("/api/v1/accounts/signup/",
                                       json={"email": email, "password": "correct-horse-9", "name": "Learner"})
        except httpx.HTTPError:
            raise CommandFailed(f"the proxy does not answer on {ws.proxy_url}: start the stack") from None
    if response.status_code != 201:
        raise CommandFailed(f"sign-up answered {response.status_code}: {response.text[:200]}")
    click.echo(f"signed up {email} (user {response.json()['id']}), password correct-horse-9")


def register(main: click.Group) -> None:
    """Add `strangler workshop`."""
    main.add_command(workshop)
