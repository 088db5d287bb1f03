"""`strangler workshop` from a shell: listings, and bad input as one line on stderr with exit 2."""
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from strangler_proxy.cli import main

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def runner(tmp_path, monkeypatch):
    for name in ("STRANGLER_ADMIN_TOKEN", "STRANGLER_ADMIN_TOKEN_FILE", "STRANGLER_STORE", "REDIS_URL",
                 "STRANGLER_ROUTES", "STRANGLER_VAR_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STRANGLER_WORKSHOP_ROOT", str(tmp_path))
    return CliRunner()


def test_list_names_every_module_with_its_page(runner):
    result = runner.invoke(main, ["workshop", "list", "--json"])

    modules = json.loads(result.output)
    assert result.exit_code == 0
    assert [m["number"] for m in modules] == [1, 2, 3, 4, 5, 6]
    assert all((ROOT / m["page"]).is_file() for m in modules)


@pytest.mark.parametrize("args,message", [
    (["check", "seven"], "N is a module number from 1 to 6, not 'seven'"),
    (["check", "7"], "there is no workshop module 7"),
    (["reset", "0"], "there is no workshop module 0"),
    (["solve", "1.5"], "not '1.5'"),
])
def test_a_module_that_does_not_exist_is_one_line_and_exit_2(runner, args, message):
    result = runner.invoke(main, ["workshop", *args])

    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith("strangler: ") and message in result.output


def test_a_reset_in_a_folder_without_the_workshop_files_says_so_in_one_line(runner, tmp_path):
    result = runner.invoke(main, ["workshop", "reset", "2"])

    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "docs/workshop" in result.output


def test_a_check_with_nothing_running_lists_what_is_missing_and_exits_1(runner, tmp_path, monkeypatch):
    from tests.loopback import free_port

    (tmp_path / "strangler.toml").write_text((ROOT / "docs/workshop/start/strangler.toml").read_text())
    monkeypatch.setenv("STRANGLER_PROXY_PORT", str(free_port()))

    result = runner.invoke(main, ["workshop", "check", "4"])

    assert result.exit_code == 1
    assert "MISSING  catalog-products-read is extracted" in result.output
    assert "start the stack in another terminal: ./scripts/up" in result.output
    assert "Traceback" not in result.output


def test_traffic_without_a_proxy_is_one_line_and_exit_2(runner, monkeypatch):
    from tests.loopback import free_port

    monkeypatch.setenv("STRANGLER_PROXY_PORT", str(free_port()))

    result = runner.invoke(main, ["workshop", "traffic", "--requests", "3", "--users", "0"])

    assert result.exit_code == 2
    assert "strangler: the proxy does not answer" in result.output
