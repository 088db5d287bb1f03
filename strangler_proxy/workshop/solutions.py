"""`strangler workshop solve N`: apply module N's reference solution (for instructors and tests).

    1  the route file from docs/workshop/solutions/01/ (every endpoint named)
    2  flip catalog-products-read to shadow, send product reads until the shadow compared enough
    3  take the planted difference out of extracted/catalog; forget the evidence gathered with it
    4  gather the gate's evidence in shadow, canary at 10% and 50%, then extracted through the gate
    5  take the planted coupon out of the sign-up request; sign two users up and wait for their jobs
    6  copy docs/workshop/solutions/06/extracted/coupons into extracted/coupons, and its route file

A solution that changes code the running stack already loaded says to restart it.
"""
from __future__ import annotations

import secrets
import shutil
import time
from collections.abc import Callable
from typing import Any

import httpx

from strangler_proxy.control import effective_state, route_flip
from strangler_proxy.errors import FlipRefused
from strangler_proxy.routing.model import Mode
from strangler_proxy.shadow.config import ShadowSettings
from strangler_proxy.shadow.gate import gate_evidence_from, gate_verdict
from strangler_proxy.shadow.results import summarise
from strangler_proxy.workshop import side_jobs
from strangler_proxy.workshop.checks import MIN_SHADOWED
from strangler_proxy.workshop.django_env import django_ready, shopper_tokens
from strangler_proxy.workshop.environment import Workshop
from strangler_proxy.workshop.errors import ReferenceMissing, StepFailed
from strangler_proxy.workshop.registry import module_get
from strangler_proxy.workshop.resets import Outcome, coupons_aside, plants
from strangler_proxy.workshop.routefile import WITH_COUPONS, WITH_ROUTES, route_file_put
from strangler_proxy.workshop.traffic import traffic_send

__all__ = ["SOLUTIONS", "solve_module"]

ACTOR = "workshop solve"
ROUTE = "catalog-products-read"


def solve_module(workshop: Workshop, number: int) -> Outcome:
    """Apply module `number`'s reference solution."""
    module = module_get(number)
    outcome = Outcome([])
    SOLUTIONS[module.number](workshop, outcome)
    return outcome


def _wait(predicate: Callable[[], Any], *, timeout: float, interval: float = 0.25) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def _reload_proxy(workshop: Workshop) -> bool:
    """Have the proxy read the route file now; False when it does not answer."""
    headers = {"Authorization": f"Bearer {workshop.admin_token}"} if workshop.admin_token else {}
    try:
        with workshop.proxy() as client:
            reloaded = client.post("/_strangler/api/reload", headers=headers).status_code == 200
    except httpx.HTTPError:
        return False
    if not reloaded:  # no admin token: it re-reads the file by itself within a poll
        time.sleep(2 * workshop.settings.routes_poll_seconds + 0.5)
    return True


def _flip(workshop: Workshop, mode: Mode, outcome: Outcome, *, percent: str | None = None) -> None:
    table = workshop.table()
    with workshop.store() as store:
        try:
            route_flip(table=table, store=store, route_id=ROUTE, mode=mode.value, percent=percent, actor=ACTOR,
                       reason=f"workshop solution: {mode.value}" + (f" {percent}%" if percent else ""),
                       evidence=gate_evidence_from(workshop.settings, store.kind))
        except FlipRefused as error:
            raise StepFailed(str(error)) from None
    outcome.say(f"strangler flip {ROUTE} {mode.value}" + (f" --percent {percent}" if percent else ""))
    # Every proxy worker picks a flip up from the store within a poll; the admin API shows one worker's view.
    _wait(lambda: _proxy_mode(workshop) == mode.value, timeout=5)


def _proxy_mode(workshop: Workshop) -> str | None:
    try:
        response = workshop.admin_get(f"routes/{ROUTE}")
    except httpx.HTTPError:
        return None
    return response.json().get("mode") if response.status_code == 200 else None


def _mode(workshop: Workshop) -> Mode:
    table = workshop.table()
    with workshop.store() as store:
        return effective_state(table.route(ROUTE), store.snapshot()).mode


def _compared(workshop: Workshop) -> int:
    with workshop.results() as results:
        return summarise(results.route_data(ROUTE)).compared


def _traffic(workshop: Workshop, requests: int, outcome: Outcome) -> None:
    report = traffic_send(workshop.proxy_url, requests=requests, concurrency=4, tokens=shopper_tokens(workshop, 40))
    if report.failures and not report.answers:
        raise StepFailed(f"the proxy does not answer on {workshop.proxy_url}: start the stack (./scripts/up)")
    outcome.say(f"strangler workshop traffic --requests {requests}: "
                + ", ".join(f"{count} x {status} from {backend}" for backend, status, count in report.rows()))


# --- the solutions --------------------------------------------------------------------------------

def solve_1(workshop: Workshop, outcome: Outcome) -> None:
    if route_file_put(workshop, WITH_ROUTES):
        outcome.say(f"route file {workshop.routes_file.name} is now docs/workshop/{WITH_ROUTES}")
    if not _reload_proxy(workshop):
        raise StepFailed(f"the proxy does not answer on {workshop.proxy_url}: start the stack (./scripts/up)")


def solve_2(workshop: Workshop, outcome: Outcome) -> None:
    if _mode(workshop) is not Mode.SHADOW:
        _flip(workshop, Mode.SHADOW, outcome)
    for _ in range(5):
        if _compared(workshop) >= MIN_SHADOWED:
            break
        _traffic(workshop, MIN_SHADOWED + 50, outcome)
        flush = ShadowSettings.from_env(workshop.environ).flush_seconds
        _wait(lambda: _compared(workshop) >= MIN_SHADOWED, timeout=10 + 3 * flush)
    compared = _compared(workshop)
    if compared < MIN_SHADOWED:
        raise StepFailed(f"the shadow compared only {compared} requests: is the catalog service up?")
    outcome.say(f"the shadow compared {compared} product reads")


def solve_3(workshop: Workshop, outcome: Outcome) -> None:
    plant = plants(workshop)["catalog-price"]
    if plant.revert(workshop.root):
        outcome.restart = True
        outcome.say(f"fixed {', '.join(plant.paths)} (the planted {plant.name} taken out)")
    with workshop.results() as results:
        results.reset(ROUTE)
    outcome.say(f"strangler compare --reset --route {ROUTE}: the evidence starts over with the fixed code")


def solve_4(workshop: Workshop, outcome: Outcome) -> None:
    if _mode(workshop) is Mode.EXTRACTED:
        outcome.say(f"{ROUTE} is extracted already")
        return
    if _mode(workshop) is not Mode.SHADOW:
        _flip(workshop, Mode.SHADOW, outcome)
    table = workshop.table()
    shadow = ShadowSettings.from_env(workshop.environ)

    def verdict():
        with workshop.results() as results:
            return gate_verdict(table.route(ROUTE), summarise(results.route_data(ROUTE)), shadow)

    for _ in range(20):
        current = verdict()
        differs = current.compared >= 100 and current.mismatch_percent > current.max_mismatch_percent
        if current.allowed or differs:  # more traffic cannot open the gate
            break
        wanted = min(1200, max(100, current.min_compared - current.compared + 50))
        _traffic(workshop, wanted, outcome)
        _wait(lambda: verdict().compared >= current.compared + wanted // 2, timeout=10 + 3 * shadow.flush_seconds)
    current = verdict()
    if not current.allowed:
        raise StepFailed(current.explain() + " (does the running catalog have the fix? restart the stack)")
    outcome.say(current.explain())
    for percent in ("10", "50"):
        _flip(workshop, Mode.CANARY, outcome, percent=percent)
        _traffic(workshop, 60, outcome)
    _flip(workshop, Mode.EXTRACTED, outcome)


def solve_5(workshop: Workshop, outcome: Outcome) -> None:
    plant = plants(workshop)["coupon-in-request"]
    if plant.revert(workshop.root):
        outcome.restart = True
        outcome.say(f"moved the welcome coupon to its side job ({', '.join(plant.paths)})")
    django_ready(workshop)
    users = []
    with workshop.proxy(timeout=30) as client:
        for _ in range(2):
            email = f"solve-{secrets.token_hex(4)}@example.com"
            try:
                response = client.post("/api/v1/accounts/signup/",
                                       json={"email": email, "password": "correct-horse-9", "name": "Solver"})
            except httpx.HTTPError:
                raise StepFailed(f"the proxy does not answer on {workshop.proxy_url}: start the stack") from None
            if response.status_code != 201:
                raise StepFailed(f"sign-up answered {response.status_code}: {response.text[:200]}")
            users.append(response.json()["id"])
            outcome.say(f"signed up {email} through the proxy (user {users[-1]})")

    def settled() -> bool:
        signups = [s for s in side_jobs.signups_since(None) if s.user_id in users]
        return (len(signups) == len(users) and side_jobs.outbox_numbers()[0] == 0
                and all(side_jobs.welcome_counts(s.user_id) == (1, 1) and side_jobs.welcome_from_job(s)
                        for s in signups))

    if not _wait(settled, timeout=90, interval=0.5):
        raise StepFailed("the welcome jobs did not finish within 90 s: is the worker running with the fixed code? "
                         "(restart the stack)")
    outcome.say("each has one welcome coupon (from the coupons.welcome job) and one welcome message")


def solve_6(workshop: Workshop, outcome: Outcome) -> None:
    source = workshop.docs / "solutions" / "06" / "extracted" / "coupons"
    if not (source / "__init__.py").is_file():
        raise ReferenceMissing(f"{source} is missing: the workshop's files are incomplete")
    moved = coupons_aside(workshop)
    if moved:
        outcome.say(f"your extracted/coupons moved to {moved}")
    shutil.copytree(source, workshop.root / "extracted" / "coupons",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    outcome.say("extracted/coupons is the reference service (docs/workshop/solutions/06/extracted/coupons)")
    if route_file_put(workshop, WITH_COUPONS):
        outcome.say(f"route file {workshop.routes_file.name} is now docs/workshop/{WITH_COUPONS}")
    if not _reload_proxy(workshop):
        outcome.say("the proxy is not running: it reads the route file when it starts")


SOLUTIONS: dict[int, Callable[[Workshop, Outcome], None]] = {
    1: solve_1, 2: solve_2, 3: solve_3, 4: solve_4, 5: solve_5, 6: solve_6,
}
