"""Resets without a stack: the route file, the route store, plants, the coupons folder; nothing half-done."""
import shutil
from pathlib import Path

import pytest

from strangler_proxy.routing.model import Mode
from strangler_proxy.workshop.environment import workshop_from_env
from strangler_proxy.workshop.errors import PlantConflict
from strangler_proxy.workshop.plants import PlantState
from strangler_proxy.workshop.resets import plants, reset_module
from strangler_proxy.workshop.solutions import solve_module

ROOT = Path(__file__).resolve().parents[3]
PLANTED_FILES = ["extracted/catalog/serializers.py", "monolith/accounts/services.py", "monolith/outbox/subscribers.py"]


@pytest.fixture
def workshop(tmp_path):
    """The parts of a learner's repository a reset touches, with its own .var/."""
    shutil.copytree(ROOT / "docs" / "workshop", tmp_path / "docs" / "workshop")
    shutil.copy2(ROOT / "strangler.toml", tmp_path / "strangler.toml")
    for path in PLANTED_FILES:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, tmp_path / path)
    return workshop_from_env({"STRANGLER_WORKSHOP_ROOT": str(tmp_path)})


def _modes(workshop) -> dict[str, str]:
    table = workshop.table()
    with workshop.store() as store:
        snapshot = store.snapshot()
    return {r.id: snapshot.states.get(r.id, r.initial).mode.value for r in table.routes}


def test_reset_1_puts_the_day_one_route_file_and_plants_both_differences_keeping_the_old_file(workshop):
    original = workshop.routes_file.read_text()

    outcome = reset_module(workshop, 1)

    assert workshop.routes_file.read_text() == (workshop.docs / "start" / "strangler.toml").read_text()
    assert workshop.table().routes == ()
    assert all(p.state(workshop.root) is PlantState.PLANTED for p in plants(workshop).values())
    assert outcome.restart
    backups = list((workshop.var_dir / "workshop" / "backup").iterdir())
    assert [b.read_text() for b in backups] == [original]
    assert "signups_since" in workshop.state()


def test_each_reset_sets_the_catalog_route_and_the_plants_of_its_modules_start(workshop):
    expected = {3: ("shadow", PlantState.PLANTED, PlantState.PLANTED),
                5: ("extracted", PlantState.CLEAN, PlantState.PLANTED),
                2: ("monolith", PlantState.PLANTED, PlantState.PLANTED),
                6: ("extracted", PlantState.CLEAN, PlantState.CLEAN),
                4: ("shadow", PlantState.CLEAN, PlantState.PLANTED)}
    for number, (mode, catalog, coupon) in expected.items():
        reset_module(workshop, number)
        known = plants(workshop)

        assert _modes(workshop)["catalog-products-read"] == mode, number
        assert known["catalog-price"].state(workshop.root) is catalog, number
        assert known["coupon-in-request"].state(workshop.root) is coupon, number
        assert {m for r, m in _modes(workshop).items() if r != "catalog-products-read"} == {"monolith"}


def test_a_reset_sends_other_routes_back_turns_the_kill_switch_off_and_forgets_results(workshop):
    from strangler_proxy.control import kill_switch_set, route_flip
    from strangler_proxy.shadow.results import ResultsBatch, summarise

    table = workshop.table()
    with workshop.store() as store:
        route_flip(table=table, store=store, route_id="notifications-list", mode="shadow", actor="t", reason="t")
        kill_switch_set(store=store, on=True, actor="t", reason="t")
    with workshop.results() as results:
        batch = ResultsBatch()
        batch.count("catalog-products-read", "errors.extracted")
        results.apply(batch)

    reset_module(workshop, 2)

    with workshop.store() as store:
        assert store.snapshot().kill_switch is False
    assert _modes(workshop)["notifications-list"] == "monolith"
    with workshop.results() as results:
        assert summarise(results.route_data("catalog-products-read")).error_total == 0


def test_the_forced_flip_of_a_later_reset_says_so_in_the_audit_log(workshop):
    reset_module(workshop, 5)

    with workshop.store() as store:
        [entry] = store.history(subject="catalog-products-read", limit=1)

    assert entry.after["mode"] == Mode.EXTRACTED.value
    assert entry.actor == "workshop" and "workshop reset 5" in entry.reason and "forced" in entry.reason


def test_reset_6_moves_a_learners_coupons_service_aside_instead_of_deleting_it(workshop):
    service = workshop.root / "extracted" / "coupons"
    service.mkdir(parents=True)
    (service / "__init__.py").write_text("# my work\n")

    outcome = reset_module(workshop, 6)

    assert not service.exists()
    [kept] = (workshop.var_dir / "workshop" / "backup").glob("coupons.*")
    assert (kept / "__init__.py").read_text() == "# my work\n"
    assert any("extracted/coupons moved" in line for line in outcome.lines)


def test_a_file_changed_where_a_plant_goes_refuses_the_reset_before_anything_changes(workshop):
    serializers = workshop.root / "extracted" / "catalog" / "serializers.py"
    serializers.write_text(serializers.read_text().replace("money_from_cents(product.price_cents)", "0"))
    routes_before = workshop.routes_file.read_text()

    with pytest.raises(PlantConflict, match="extracted/catalog/serializers.py"):
        reset_module(workshop, 1)

    assert workshop.routes_file.read_text() == routes_before
    assert plants(workshop)["coupon-in-request"].state(workshop.root) is PlantState.CLEAN


def test_solving_module_6_copies_the_reference_service_and_its_route_file(workshop):
    outcome = solve_module(workshop, 6)

    assert (workshop.root / "extracted" / "coupons" / "api.py").is_file()
    assert workshop.table().route("coupons").backend == "coupons"
    assert any("proxy is not running" in line for line in outcome.lines)
