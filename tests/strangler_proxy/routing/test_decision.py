"""Where a request goes for each mode, with the kill switch and QA overrides."""
from __future__ import annotations

from dataclasses import replace

import pytest

from strangler_proxy.routing.canary import in_canary
from strangler_proxy.routing.decision import decide
from strangler_proxy.routing.model import Mode, RouteSpec, RouteState
from strangler_proxy.routing.overrides import Override
from strangler_proxy.routing.user_key import UserKey
from strangler_proxy.shadow.policy import ShadowPolicy

ROUTE = RouteSpec("products", ("/p/",), None, "catalog", "catalog", RouteState(Mode.MONOLITH))
LEGACY = RouteSpec("orders", ("/o/**",), None, "orders", None, RouteState(Mode.MONOLITH))


def run(route, state, *, kill=False, override=None, user="user:1"):
    return decide(route, state, kill_switch=kill, user_key=lambda: UserKey(user), override=lambda: override)


@pytest.mark.parametrize(("mode", "backend", "fallback", "mirror"), [
    (Mode.MONOLITH, "monolith", None, None),
    (Mode.SHADOW, "monolith", None, "catalog"),
    (Mode.EXTRACTED, "catalog", "monolith", None),
    (Mode.RETIRED, None, None, None),
])
def test_each_mode_sends_the_request_where_it_says(mode, backend, fallback, mirror) -> None:
    decision = run(ROUTE, RouteState(mode))
    assert (decision.backend, decision.fallback, decision.mirror) == (backend, fallback, mirror)


def test_canary_sends_exactly_the_users_in_the_bucket() -> None:
    for n in range(200):
        user = f"user:{n}"
        decision = run(ROUTE, RouteState(Mode.CANARY, 3000), user=user)
        assert (decision.backend == "catalog") == in_canary("products", user, 3000)


def test_unrouted_requests_go_to_the_monolith_as_the_default_route() -> None:
    decision = run(None, None)
    assert decision.route_id == "default" and decision.backend == "monolith"


def test_the_kill_switch_sends_every_mode_to_the_monolith_and_ignores_overrides() -> None:
    forced = Override("extracted", None, 2**40)
    for mode in Mode:
        decision = run(ROUTE, RouteState(mode, 10_000), kill=True, override=forced)
        assert decision.backend == "monolith" and decision.mirror is None


def test_a_valid_override_forces_either_side() -> None:
    assert run(ROUTE, RouteState(Mode.MONOLITH), override=Override("extracted", None, 2**40)).backend == "catalog"
    assert run(ROUTE, RouteState(Mode.EXTRACTED), override=Override("monolith", None, 2**40)).backend == "monolith"


def test_an_override_for_other_routes_changes_nothing() -> None:
    decision = run(ROUTE, RouteState(Mode.MONOLITH), override=Override("extracted", frozenset({"x"}), 2**40))
    assert decision.backend == "monolith"


def test_a_route_without_an_extracted_backend_stays_on_the_monolith_even_when_forced() -> None:
    assert run(LEGACY, RouteState(Mode.MONOLITH), override=Override("extracted", None, 2**40)).backend == "monolith"


def test_the_user_key_is_only_computed_for_canaries() -> None:
    def explode() -> UserKey:
        raise AssertionError("not needed")

    for mode in (Mode.MONOLITH, Mode.SHADOW, Mode.EXTRACTED):
        decide(ROUTE, RouteState(mode), kill_switch=False, user_key=explode, override=lambda: None)


REVERSED = replace(ROUTE, shadow=ShadowPolicy(reverse=True))


@pytest.mark.parametrize(("mode", "backend", "mirror"), [
    (Mode.MONOLITH, "monolith", None),
    (Mode.SHADOW, "monolith", "catalog"),  # the shadow still mirrors the usual way
    (Mode.EXTRACTED, "catalog", "monolith"),
    (Mode.RETIRED, None, None),
])
def test_the_reverse_shadow_mirrors_what_the_extracted_side_serves_to_the_monolith(mode, backend, mirror) -> None:
    decision = run(REVERSED, RouteState(mode))
    assert (decision.backend, decision.mirror) == (backend, mirror)
    assert run(ROUTE, RouteState(mode)).mirror == (mirror if mode is Mode.SHADOW else None)


def test_a_reverse_canary_mirrors_only_the_requests_the_extracted_side_serves() -> None:
    seen = set()
    for n in range(200):
        decision = run(REVERSED, RouteState(Mode.CANARY, 3000), user=f"user:{n}")
        seen.add((decision.backend, decision.mirror, decision.fallback))
    assert seen == {("catalog", "monolith", "monolith"), ("monolith", None, None)}


def test_the_reverse_shadow_mirrors_nothing_under_the_kill_switch_or_an_override() -> None:
    for target in ("extracted", "monolith"):
        assert run(REVERSED, RouteState(Mode.EXTRACTED), override=Override(target, None, 2**40)).mirror is None
    assert run(REVERSED, RouteState(Mode.EXTRACTED), kill=True).mirror is None
