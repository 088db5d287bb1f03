"""`strangler workshop reset N`: put the environment where module N starts.

A module starts where the modules before it left off, with the planted differences later
modules fix still in place:

    module  route file            planted                        catalog-products-read
    1       day one (no routes)   catalog price, coupon in req.  monolith
    2       every endpoint named  catalog price, coupon in req.  monolith
    3       every endpoint named  catalog price, coupon in req.  shadow
    4       every endpoint named  coupon in request              shadow
    5       every endpoint named  coupon in request              extracted
    6       every endpoint named  -                              extracted

Every reset also sends every other route back to the monolith, turns the kill switch off,
forgets all shadow results, moves an extracted/coupons folder aside (module 6 writes it)
and starts module 5's count of sign-ups. Files it replaces are kept in
<var dir>/workshop/backup/. Nothing is half-done: a plant that cannot go in or out is
found before anything changes.
"""
from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from strangler_proxy.control import effective_state, kill_switch_set, route_flip
from strangler_proxy.routing.model import Mode, RouteState
from strangler_proxy.shadow.results import summarise
from strangler_proxy.workshop.environment import Workshop
from strangler_proxy.workshop.errors import PlantConflict
from strangler_proxy.workshop.plants import Plant, PlantState, plant_read
from strangler_proxy.workshop.registry import module_get
from strangler_proxy.workshop.routefile import DAY_ONE, WITH_ROUTES, reference_table, route_file_put

__all__ = ["ACTOR", "PLANTS", "Outcome", "coupons_aside", "plants", "reset_module"]

ACTOR = "workshop"
PLANTS = {"catalog-price": "catalog-price-as-a-number", "coupon-in-request": "welcome-coupon-in-the-request"}
_CATALOG_ROUTE = "catalog-products-read"


@dataclass(frozen=True)
class _Start:
    route_file: str
    planted: frozenset[str]
    catalog_mode: Mode


_STARTS = {
    1: _Start(DAY_ONE, frozenset(PLANTS), Mode.MONOLITH),
    2: _Start(WITH_ROUTES, frozenset(PLANTS), Mode.MONOLITH),
    3: _Start(WITH_ROUTES, frozenset(PLANTS), Mode.SHADOW),
    4: _Start(WITH_ROUTES, frozenset({"coupon-in-request"}), Mode.SHADOW),
    5: _Start(WITH_ROUTES, frozenset({"coupon-in-request"}), Mode.EXTRACTED),
    6: _Start(WITH_ROUTES, frozenset(), Mode.EXTRACTED),
}


@dataclass
class Outcome:
    """What a reset or a solution did, line by line, and whether running code must be restarted."""

    lines: list[str]
    restart: bool = False

    def say(self, line: str) -> None:
        """Record one thing done."""
        self.lines.append(line)


def plants(workshop: Workshop) -> dict[str, Plant]:
    """Read the workshop's plants from docs/workshop/plants/."""
    return {key: plant_read(workshop.docs / "plants" / f"{name}.patch") for key, name in PLANTS.items()}


def reset_module(workshop: Workshop, number: int) -> Outcome:
    """Put the environment at module `number`'s start."""
    module = module_get(number)
    start = _STARTS[module.number]
    outcome = Outcome([])
    known = plants(workshop)
    for plant in known.values():  # all checked first: a conflict changes nothing
        if plant.state(workshop.root) is PlantState.CHANGED:
            raise PlantConflict(f"{', '.join(plant.paths)} changed where the workshop plants {plant.name!r}: "
                                f"restore it (e.g. `git checkout -- {' '.join(plant.paths)}`) and reset again")
    _route_states(workshop, module.number, start.catalog_mode, outcome)
    with workshop.results() as results:
        forgotten = [r for r in results.routes() if summarise(results.route_data(r)).compared]
        for route_id in results.routes():
            results.reset(route_id)
    if forgotten:
        outcome.say(f"shadow results forgotten: {', '.join(forgotten)}")
    backup = route_file_put(workshop, start.route_file)
    if backup:
        outcome.say(f"route file {workshop.routes_file.name} is now docs/workshop/{start.route_file} "
                    f"(the old one: {backup})")
    for key, plant in known.items():
        changed = plant.apply(workshop.root) if key in start.planted else plant.revert(workshop.root)
        if changed:
            outcome.restart = True
            outcome.say(f"{'planted' if key in start.planted else 'removed'} {plant.name} "
                        f"({', '.join(plant.paths)})")
    moved = coupons_aside(workshop)
    if moved:
        outcome.restart = True
        outcome.say(f"extracted/coupons moved to {moved}")
    now = datetime.now(timezone.utc)
    workshop.remember(signups_since=now.isoformat(), reset=module.number)
    outcome.say(f"module 5 counts sign-ups from now ({now:%H:%M:%S} UTC)")
    return outcome


def _route_states(workshop: Workshop, number: int, catalog_mode: Mode, outcome: Outcome) -> None:
    table = reference_table(workshop)
    reason = f"workshop reset {number}"
    with workshop.store() as store:
        snapshot = store.snapshot()
        if snapshot.kill_switch:
            kill_switch_set(store=store, on=False, actor=ACTOR, reason=reason)
            outcome.say("kill switch off")
        for route_id, state in sorted(snapshot.states.items()):
            if route_id != _CATALOG_ROUTE and state.mode is not Mode.MONOLITH:
                store.set_route_state(route_id=route_id, state=RouteState(Mode.MONOLITH),
                                      default=RouteState(Mode.MONOLITH), actor=ACTOR, reason=reason)
                outcome.say(f"{route_id}: {state.mode.value} -> monolith")
        route = table.route(_CATALOG_ROUTE)
        current = effective_state(route, snapshot)
        if current.mode is not catalog_mode:
            why = reason if catalog_mode is not Mode.EXTRACTED else f"{reason} (module 4's outcome)"
            route_flip(table=table, store=store, route_id=_CATALOG_ROUTE, mode=catalog_mode.value, actor=ACTOR,
                       reason=why, evidence=lambda _: "a reset does not gather evidence", force=True)
            outcome.say(f"{_CATALOG_ROUTE}: {current.mode.value} -> {catalog_mode.value}")


def coupons_aside(workshop: Workshop) -> str | None:
    """Move extracted/coupons into the backup folder; return where it went (None: there was none)."""
    folder = workshop.root / "extracted" / "coupons"
    if not folder.exists():
        return None
    backup = workshop.var_dir / "workshop" / "backup"
    backup.mkdir(parents=True, exist_ok=True)
    target = _unique(backup / f"coupons.{time.strftime('%Y%m%d-%H%M%S')}")
    shutil.move(str(folder), str(target))
    return str(target)


def _unique(path: Path) -> Path:
    candidate, counter = path, 1
    while candidate.exists():
        counter += 1
        candidate = path.with_name(f"{path.name}-{counter}")
    return candidate
