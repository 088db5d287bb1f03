"""The control-plane commands: readable tables, --json, and one-line errors with a non-zero exit."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from strangler_proxy.cli import main

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    routes = tmp_path / "strangler.toml"
    routes.write_text((ROOT / "strangler.toml").read_text())
    values = {"STRANGLER_ROUTES": str(routes), "STRANGLER_STORE": str(tmp_path / "store.sqlite3"),
              "STRANGLER_ADMIN_TOKEN": "cli-admin-token", "STRANGLER_GATE_MIN_COMPARED": "0"}
    monkeypatch.delenv("REDIS_URL", raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def assert_one_line_error(result, fragment: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], result.stderr
    assert "Traceback" not in result.output


def test_routes_prints_a_table_of_routes_and_modes(env) -> None:
    result = run("routes")
    assert result.exit_code == 0
    assert "table version 0" in result.stdout and "kill switch off" in result.stdout
    header = result.stdout.splitlines()[1]
    assert header.split() == ["ROUTE", "CONTEXT", "METHODS", "PATHS", "BACKEND", "MODE"]
    assert any(line.startswith("catalog-products-read") and "monolith" in line for line in result.stdout.splitlines())


def test_routes_json_is_for_scripts(env) -> None:
    data = json.loads(run("routes", "--json").stdout)
    assert data["version"] == 0 and data["store"] == "sqlite"
    assert {r["id"] for r in data["routes"]} >= {"catalog-products-read", "orders"}


def test_flip_changes_the_mode_and_history_shows_who_when_and_why(env) -> None:
    result = run("flip", "catalog-products-read", "canary", "--percent", "10", "--reason", "first 10%",
                 "--actor", "alice")
    assert result.exit_code == 0
    assert result.stdout.strip() == "catalog-products-read: monolith -> canary 10.00% (table version 1)"
    run("flip", "catalog-products-read", "extracted", "--reason", "all in")
    assert "extracted" in run("routes").stdout
    history = json.loads(run("history", "--json").stdout)
    assert [(e["version"], e["reason"]) for e in history] == [(2, "all in"), (1, "first 10%")]
    assert history[1]["actor"] == "alice" and history[0]["actor"].startswith("cli:")
    assert history[0]["before"] == {"mode": "canary", "percent": "10.00"}
    table = run("history", "--route", "catalog-products-read").stdout
    assert "VERSION" in table and "first 10%" in table


def test_flip_json_prints_the_audit_entry(env) -> None:
    entry = json.loads(run("flip", "notifications-list", "shadow", "--reason", "compare", "--json").stdout)
    assert entry["subject"] == "notifications-list" and entry["after"]["mode"] == "shadow"


@pytest.mark.parametrize(("args", "fragment"), [
    (("flip", "nope", "extracted", "--reason", "r"), "unknown route 'nope'"),
    (("flip", "catalog-products-read", "canary", "--reason", "r"), "needs a percentage"),
    (("flip", "catalog-products-read", "canary", "--percent", "12.345", "--reason", "r"), "2 decimal places"),
    (("flip", "catalog-products-read", "extracted", "--percent", "5", "--reason", "r"), "only applies to mode"),
    (("flip", "orders", "extracted", "--reason", "r"), "has no extracted backend"),
    (("flip", "orders", "retired", "--reason", " "), "a reason is required"),
    (("kill-switch", "on"), "--reason is required"),
])
def test_a_refused_command_prints_one_line_and_exits_non_zero(env, args, fragment) -> None:
    assert_one_line_error(run(*args), fragment)
    assert json.loads(run("history", "--json").stdout) == []


def test_a_missing_reason_option_is_a_usage_error(env) -> None:
    result = run("flip", "orders", "retired")
    assert result.exit_code == 2 and "--reason" in result.stderr


def test_kill_switch_on_off_and_show(env) -> None:
    assert run("kill-switch").stdout.strip() == "kill switch off (table version 0)"
    assert run("kill-switch", "on", "--reason", "incident").stdout.strip() == "kill switch on (table version 1)"
    assert json.loads(run("kill-switch", "--json").stdout) == {"on": True, "version": 1}
    assert "kill switch ON" in run("routes").stdout
    run("kill-switch", "off", "--reason", "resolved")
    history = json.loads(run("history", "--route", "kill-switch", "--json").stdout)
    assert [e["after"] for e in history] == [{"on": False}, {"on": True}]


def test_an_invalid_route_file_is_one_line_naming_file_route_and_field(env) -> None:
    path = Path(env["STRANGLER_ROUTES"])
    path.write_text(path.read_text().replace('id = "orders"\ncontext = "orders"',
                                             'id = "orders"\ncontext = "orders"\nmode = "gone"'))
    result = run("routes")
    assert_one_line_error(result, "route file refused")
    assert "route 'orders': field 'mode'" in result.stderr
    assert_one_line_error(run("proxy", "--port", "0"), "route 'orders': field 'mode'")


def test_a_bad_environment_value_is_one_line_naming_the_variable(env, monkeypatch) -> None:
    monkeypatch.setenv("STRANGLER_PROXY_PORT", "eighty")
    assert_one_line_error(run("proxy"), "STRANGLER_PROXY_PORT: expected an integer")


def test_an_unreachable_store_is_one_line(env, monkeypatch) -> None:
    monkeypatch.setenv("STRANGLER_STORE", "redis://127.0.0.1:1/0")
    assert_one_line_error(run("routes"), "route store redis://127.0.0.1:1/0")


def test_override_token_prints_a_token_the_proxy_accepts(env) -> None:
    from strangler_proxy.routing.overrides import override_read

    token = run("override-token", "--target", "extracted", "--ttl", "60", "--route", "orders").stdout.strip()
    override = override_read(token, secret="cli-admin-token")
    assert override is not None and override.target == "extracted" and override.routes == {"orders"}
    assert_one_line_error(run("override-token", "--target", "extracted", "--route", "nope"), "unknown route")


def test_override_token_needs_the_admin_secret(env, monkeypatch) -> None:
    monkeypatch.delenv("STRANGLER_ADMIN_TOKEN")
    assert_one_line_error(run("override-token", "--target", "monolith"), "STRANGLER_ADMIN_TOKEN")


def test_the_commands_work_on_the_redis_store(env, monkeypatch, redis_url) -> None:
    monkeypatch.delenv("STRANGLER_STORE")
    monkeypatch.setenv("REDIS_URL", redis_url)
    run("flip", "catalog-categories", "shadow", "--reason", "via redis")
    data = json.loads(run("routes", "--json").stdout)
    assert data["store"] == "redis" and data["version"] == 1
    assert json.loads(run("history", "--json").stdout)[0]["reason"] == "via redis"
