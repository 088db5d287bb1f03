"""`strangler workshop check N`: has the learner's environment reached module N's goal?

Each check reads the route file, the route store, the shadow results, the monolith and the
running stack, and changes nothing. It lists every part of the goal as an item, met or
missing with what to do; a check never stops at the first missing item unless the others
cannot be judged without it.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import httpx

from strangler_proxy.control import effective_state
from strangler_proxy.errors import RouteTableError, StranglerError
from strangler_proxy.routing.model import DEFAULT_ROUTE_ID, Mode, RouteTable
from strangler_proxy.shadow.results import summarise
from strangler_proxy.workshop import catalog_compare, side_jobs
from strangler_proxy.workshop.coupons_contract import CONTRACT_FILE, coupons_contract_run, coupons_service_imports
from strangler_proxy.workshop.django_env import django_ready
from strangler_proxy.workshop.environment import Workshop
from strangler_proxy.workshop.errors import StepFailed
from strangler_proxy.workshop.plants import PlantState, plant_read
from strangler_proxy.workshop.registry import module_get
from strangler_proxy.workshop.result import CheckResult

__all__ = ["CHECKS", "MIN_SHADOWED", "check_module"]

CATALOG_ROUTE = catalog_compare.ROUTE
# Module 2 asks for a first look, not the cut-over's evidence (that is module 4's gate).
MIN_SHADOWED = 100
START_THE_STACK = "start the stack in another terminal: ./scripts/up"


def check_module(workshop: Workshop, number: int) -> CheckResult:
    """Run module `number`'s check."""
    module = module_get(number)
    result = CheckResult(module.number, module.title)
    CHECKS[number](workshop, result)
    return result


def _table(workshop: Workshop, result: CheckResult) -> RouteTable | None:
    try:
        table = workshop.table()
    except RouteTableError as error:
        result.add(f"the route file {workshop.routes_file.name} is valid", False,
                   "; ".join(error.problems[:3]) + " (`strangler routes` lists every problem)")
        return None
    result.add(f"the route file {workshop.routes_file.name} is valid", True)
    return table


def _proxy_answers(workshop: Workshop, result: CheckResult) -> bool:
    try:
        with workshop.proxy(timeout=5) as client:
            client.get("/api/v1/catalog/categories/")
    except httpx.HTTPError:
        return result.add(f"the proxy answers on {workshop.proxy_url}", False, START_THE_STACK)
    return result.add(f"the proxy answers on {workshop.proxy_url}", True)


def _mode(workshop: Workshop, table: RouteTable, route_id: str) -> str | None:
    route = table.route(route_id)
    if route is None:
        return None
    with workshop.store() as store:
        return effective_state(route, store.snapshot()).mode.value


# --- module 1: the proxy in front ------------------------------------------------------------

def check_1(workshop: Workshop, result: CheckResult) -> None:
    from strangler_proxy.inventory import inventory_rows, monolith_endpoints

    table = _table(workshop, result)
    if table is None:
        return
    try:
        django_ready(workshop)
        endpoints = [e for e in monolith_endpoints() if e.pattern.startswith("/api/v1/")]
    except Exception as error:  # the monolith's code does not load (StepFailed, or its own error): say why
        result.add("the monolith's endpoints can be listed (strangler inventory)", False, str(error)[:300])
        return
    with workshop.store() as store:
        snapshot = store.snapshot()
    rows = inventory_rows(endpoints, table, snapshot)
    proxy_up = _proxy_answers(workshop, result)
    answers = _answers_through_proxy(workshop, endpoints) if proxy_up else {}
    for context in dict.fromkeys(e.context for e in endpoints):
        unnamed = [f"{r.method} {r.pattern}" for r in rows if r.context == context and r.route_id is None]
        what = f"every {context} endpoint is named by a route and answers through the proxy from the monolith"
        if unnamed:
            result.add(what, False, "no route names " + ", ".join(unnamed) + " (see `strangler inventory`)")
            continue
        if not proxy_up:
            result.add(what, False, "the proxy does not answer")
            continue
        wrong = [f"{path} came from {how}" for e in endpoints if e.context == context
                 for path, how in [(e.sample_path, answers.get(e.sample_path))] if how is not None]
        result.add(what, not wrong, "; ".join(wrong[:3]))


def _answers_through_proxy(workshop: Workshop, endpoints) -> dict[str, str]:
    """Send each GET endpoint through the proxy; return the paths that did not come from the monolith under a route."""
    wrong: dict[str, str] = {}
    with workshop.proxy(timeout=10) as client:
        for endpoint in endpoints:
            if "GET" not in endpoint.methods:
                continue
            try:
                response = client.get(endpoint.sample_path)
            except httpx.HTTPError as error:
                wrong[endpoint.sample_path] = f"no answer ({type(error).__name__})"
                continue
            route = response.headers.get("X-Strangler-Route", "")
            backend = response.headers.get("X-Strangler-Backend", "")
            if route in ("", DEFAULT_ROUTE_ID):
                wrong[endpoint.sample_path] = "no route (the proxy has not reloaded the route file yet?)"
            elif backend != "monolith":
                wrong[endpoint.sample_path] = f"backend {backend!r} under route {route!r} (flip it back to monolith)"
    return wrong


# --- module 2: shadow the catalog --------------------------------------------------------------

def check_2(workshop: Workshop, result: CheckResult) -> None:
    table = _table(workshop, result)
    if table is None:
        return
    mode = _mode(workshop, table, CATALOG_ROUTE)
    result.add(f"{CATALOG_ROUTE} is in shadow", mode == Mode.SHADOW.value,
               f"it is {mode or 'not in the route file'}: "
               f"strangler flip {CATALOG_ROUTE} shadow --reason \"compare the catalog service\"")
    with workshop.results() as results:
        compared = summarise(results.route_data(CATALOG_ROUTE)).compared
    result.add(f"the shadow compared at least {MIN_SHADOWED} product reads", compared >= MIN_SHADOWED,
               f"{compared} so far: send traffic through the proxy (strangler workshop traffic --requests 200)")
    _report_reachable(workshop, result)


def _report_reachable(workshop: Workshop, result: CheckResult) -> None:
    what = f"the diff report answers ({workshop.proxy_url}/_strangler/api/compare/{CATALOG_ROUTE})"
    if not workshop.admin_token:
        result.add(what, False, "no admin token: set STRANGLER_ADMIN_TOKEN_FILE to the stack's .var/admin-token")
        return
    try:
        response = workshop.admin_get(f"compare/{CATALOG_ROUTE}")
    except httpx.HTTPError:
        result.add(what, False, START_THE_STACK)
        return
    ok = response.status_code == 200 and response.headers.get("Content-Type", "").startswith("application/json")
    result.add(what, ok, f"it answered {response.status_code}: {response.text[:200]}")


# --- module 3: fix the planted difference -------------------------------------------------------

def check_3(workshop: Workshop, result: CheckResult) -> None:
    if _table(workshop, result) is None:
        return
    what = "the catalog service, started from your code, answers product reads like the monolith"
    try:
        with catalog_compare.fresh_catalog(workshop) as url:
            verdict = catalog_compare.compare_catalog(workshop, url)
        result.add(what, verdict.same, verdict.explain())
    except StepFailed as error:
        result.add(what, False, str(error))
    what = "the running catalog service answers product reads like the monolith"
    try:
        verdict = catalog_compare.compare_catalog(workshop, workshop.backend_url("catalog"))
    except (KeyError, StranglerError) as error:
        result.add(what, False, str(error))
        return
    hint = START_THE_STACK if verdict.errors else \
        "the running service still has the code it started with: restart the stack (Ctrl-C, then ./scripts/up)"
    result.add(what, verdict.same, f"{verdict.explain()}; {hint}")


# --- module 4: canary and cut over ---------------------------------------------------------------

def check_4(workshop: Workshop, result: CheckResult) -> None:
    table = _table(workshop, result)
    if table is None:
        return
    mode = _mode(workshop, table, CATALOG_ROUTE)
    result.add(f"{CATALOG_ROUTE} is extracted", mode == Mode.EXTRACTED.value,
               f"it is {mode or 'not in the route file'}: canary first, then "
               f"strangler flip {CATALOG_ROUTE} extracted --reason \"...\"")
    with workshop.store() as store:
        history = store.history(subject=CATALOG_ROUTE, limit=1000)  # newest first
    cut = next((i for i, e in enumerate(history) if e.after.get("mode") == Mode.EXTRACTED.value), None)
    before = history[cut + 1] if cut is not None and cut + 1 < len(history) else None
    came_from = before.after.get("mode") if before is not None else None
    result.add("the cut-over came right after a canary step (strangler history)",
               came_from == Mode.CANARY.value,
               "no flip to extracted yet" if cut is None else
               f"it went to extracted from {came_from or 'its initial mode'}: flip to canary (e.g. --percent 10), "
               "watch the dashboard, then to extracted")
    what = "product reads through the proxy are answered by the catalog service"
    try:
        with workshop.proxy(timeout=10) as client:
            backend = client.get("/api/v1/catalog/products/?page_size=1").headers.get("X-Strangler-Backend")
    except httpx.HTTPError:
        result.add(what, False, START_THE_STACK)
        return
    result.add(what, backend == "catalog", f"the last one came from {backend!r}")


# --- module 5: the welcome coupon as a side job -------------------------------------------------

def check_5(workshop: Workshop, result: CheckResult) -> None:
    plant = plant_read(workshop.docs / "plants" / "welcome-coupon-in-the-request.patch")
    result.add("the sign-up request no longer issues the welcome coupon (monolith/accounts/services.py)",
               plant.state(workshop.root) is not PlantState.PLANTED,
               "user_sign_up still creates the Coupon: leave that to a side job")
    try:
        django_ready(workshop)
        subscribed = side_jobs.coupon_job_subscribed()
    except StepFailed as error:
        result.add("the monolith's code loads", False, str(error))
        return
    result.add("a side job subscribes to UserSignedUp for the welcome coupon (monolith/outbox/subscribers.py)",
               subscribed, "no subscription has the consumer 'coupons.welcome' (its task: "
               "monolith.coupons.tasks.issue_welcome_coupon)")
    since = _since(workshop)
    try:
        signups = side_jobs.signups_since(since)
        unsent, lag, dead = side_jobs.outbox_numbers()
    except Exception as error:  # no database yet, or not migrated
        result.add("the monolith's database can be read", False, f"{type(error).__name__}: {error}"[:300])
        return
    when = f"since {since:%H:%M:%S} UTC (the last `strangler workshop reset`)" if since else "so far"
    if result.add(f"someone signed up {when}", bool(signups),
                  "sign up through the proxy (the module's curl), or: strangler workshop signup"):
        problems = []
        for signup in signups[-20:]:
            coupons, messages = side_jobs.welcome_counts(signup.user_id)
            if (coupons, messages) != (1, 1):
                problems.append(f"user {signup.user_id} has {coupons} welcome coupon(s) and {messages} message(s)")
        result.add("every sign-up has exactly one welcome coupon and one welcome message", not problems,
                   "; ".join(problems[:4]) + " (jobs still running? run the check again in a few seconds)")
        latest = signups[-1]
        result.add(f"the latest sign-up's coupon (user {latest.user_id}) came from the coupons.welcome side job",
                   side_jobs.welcome_from_job(latest),
                   "its job never claimed the event: restart the stack after moving the coupon (Ctrl-C, "
                   "./scripts/up), then sign up again")
    result.add("the outbox relay is caught up (nothing unsent)", unsent == 0,
               f"{unsent} event(s) unsent for {lag:.0f} s: is the relay running? (strangler jobs status)")
    result.add("no side job waits in the dead-letter table", dead == 0,
               f"{dead} dead letter(s): strangler jobs dead-letters, then strangler jobs retry --all after a fix")


def _since(workshop: Workshop) -> datetime | None:
    raw = workshop.state().get("signups_since")
    try:
        return datetime.fromisoformat(raw) if raw else None
    except (TypeError, ValueError):
        return None


# --- module 6: extract coupons yourself ----------------------------------------------------------

def check_6(workshop: Workshop, result: CheckResult) -> None:
    problem = coupons_service_imports(workshop)
    result.add("extracted/coupons offers create_app, config.read_config and migration.tables.COUPONS",
               problem is None, f"{problem} (start from a copy of extracted/notifications)")
    table = _table(workshop, result)
    if table is not None:
        result.add("the route file has a `coupons` backend", "coupons" in table.backends,
                   "add [backends.coupons] with urls = [\"http://127.0.0.1:8003\"]")
        route = table.route("coupons")
        result.add("the `coupons` route points at the coupons backend",
                   route is not None and route.backend == "coupons", "set backend = \"coupons\" on the coupons route")
    what = "the coupons contract holds for extracted/coupons (tests/contract/coupons_service_check.py)"
    if problem is not None:
        result.add(what, False, "needs the package above first")
        return
    run = coupons_contract_run(workshop)
    result.add(what, run.passed, f"{run.explain()} (details: pytest {CONTRACT_FILE})")


CHECKS: dict[int, Callable[[Workshop, CheckResult], None]] = {
    1: check_1, 2: check_2, 3: check_3, 4: check_4, 5: check_5, 6: check_6,
}
