"""The plan document against the route store, and the endpoint inventory."""
from pathlib import Path

import pytest
from click.testing import CliRunner

from strangler_proxy.cli import main
from strangler_proxy.plan import PlanError, plan_check, read_plan_rows

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("STRANGLER_STORE", str(tmp_path / "routes.sqlite3"))
    monkeypatch.delenv("REDIS_URL", raising=False)
    return tmp_path


def test_the_committed_plan_agrees_with_the_default_route_state(cli_env):
    result = CliRunner().invoke(main, ["plan", "--check"])

    assert result.exit_code == 0, result.output


def test_a_flip_the_plan_does_not_record_fails_the_check_naming_the_route(cli_env):
    runner = CliRunner()
    flipped = runner.invoke(main, ["flip", "catalog-products-read", "shadow", "--reason", "test"])

    result = runner.invoke(main, ["plan", "--check"])

    assert flipped.exit_code == 0, flipped.output
    assert result.exit_code == 1
    assert "catalog-products-read: the plan says 'monolith', the route store says 'shadow'" in result.output


def test_canary_modes_are_written_with_their_percentage():
    from strangler_proxy.plan import PlanRow

    rows = [PlanRow("r", "c", "canary 5%", "", "")]

    assert plan_check(rows, {"r": "canary 5%"}) == []
    assert [str(p) for p in plan_check(rows, {"r": "canary 10%"})] == [
        "r: the plan says 'canary 5%', the route store says 'canary 10%'"]


def test_a_plan_without_its_route_table_is_a_clear_error(tmp_path):
    document = tmp_path / "plan.md"
    document.write_text("# A plan with no table\n")

    with pytest.raises(PlanError, match="no route table"):
        read_plan_rows(document)


def test_plan_check_on_a_missing_document_exits_non_zero_with_one_line(cli_env):
    result = CliRunner().invoke(main, ["plan", "--check", "--file", str(cli_env / "nope.md")])

    assert result.exit_code != 0
    assert result.output.strip().count("\n") == 0 and "no such plan document" in result.output


def test_inventory_lists_every_endpoint_by_context_and_flags_the_uncovered(cli_env):
    import json

    result = CliRunner().invoke(main, ["inventory", "--json"])

    rows = json.loads(result.output)
    by_key = {(r["method"], r["path"]): r for r in rows}
    assert by_key[("GET", "/api/v1/catalog/products/{product_id}/")]["route"] == "catalog-products-read"
    assert by_key[("POST", "/api/v1/orders/")]["context"] == "orders"
    assert by_key[("GET", "/api/schema/")]["covered"] is False
    assert {r["context"] for r in rows} >= {"accounts", "catalog", "orders", "coupons", "notifications", "board"}
