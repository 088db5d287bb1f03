"""The workshop finds the learner's repository, stack and control plane from the stack's own variables."""
from pathlib import Path

import pytest

from strangler_proxy.errors import ConfigError
from strangler_proxy.workshop.environment import workshop_from_env


def test_by_default_everything_is_found_from_the_repository_and_the_stacks_default_ports(tmp_path):
    workshop = workshop_from_env({}, cwd=tmp_path)

    assert workshop.root == tmp_path.resolve()
    assert workshop.var_dir == tmp_path.resolve() / ".var"
    assert workshop.proxy_url == "http://127.0.0.1:8080"
    assert workshop.routes_file == tmp_path.resolve() / "strangler.toml"
    assert workshop.settings.store_url == f"sqlite:///{tmp_path.resolve() / '.var' / 'strangler-routes.sqlite3'}"
    assert workshop.settings.backend_urls["MONOLITH"] == ("http://127.0.0.1:8000",)
    assert workshop.admin_token is None


def test_the_root_variable_and_the_stacks_ports_win_and_relative_paths_follow_the_root(tmp_path):
    (tmp_path / ".var").mkdir()
    (tmp_path / ".var" / "admin-token").write_text("secret-from-strangler-up\n")

    workshop = workshop_from_env({"STRANGLER_WORKSHOP_ROOT": str(tmp_path), "STRANGLER_PROXY_PORT": "18080",
                                  "STRANGLER_PROXY_HOST": "0.0.0.0", "MONOLITH_PORT": "18000",
                                  "STRANGLER_BACKEND_CATALOG_URLS": "http://10.0.0.5:9001",
                                  "STRANGLER_STORE": "data/routes.sqlite3", "STRANGLER_ROUTES": "conf/routes.toml"},
                                 cwd=Path("/"))

    assert workshop.proxy_url == "http://127.0.0.1:18080"
    assert workshop.admin_token == "secret-from-strangler-up"
    assert workshop.settings.backend_urls["MONOLITH"] == ("http://127.0.0.1:18000",)
    assert workshop.settings.backend_urls["CATALOG"] == ("http://10.0.0.5:9001",)
    assert workshop.settings.store_url == f"sqlite:///{tmp_path.resolve() / 'data' / 'routes.sqlite3'}"
    assert workshop.routes_file == tmp_path.resolve() / "conf" / "routes.toml"


def test_an_admin_token_in_the_environment_wins_over_the_stacks_file(tmp_path):
    (tmp_path / ".var").mkdir()
    (tmp_path / ".var" / "admin-token").write_text("from-file")

    workshop = workshop_from_env({"STRANGLER_ADMIN_TOKEN": "from-env"}, cwd=tmp_path)

    assert workshop.admin_token == "from-env"


@pytest.mark.parametrize("variable", ["MONOLITH_PORT", "STRANGLER_PROXY_PORT"])
def test_a_port_that_is_not_a_number_is_named_in_one_line(tmp_path, variable):
    with pytest.raises(ConfigError) as refused:
        workshop_from_env({variable: "eighty"}, cwd=tmp_path)

    assert "\n" not in str(refused.value) and ("eighty" in str(refused.value))


def test_remembered_state_survives_between_commands_and_a_broken_file_is_forgotten(tmp_path):
    workshop = workshop_from_env({}, cwd=tmp_path)

    workshop.remember(signups_since="2026-01-05T09:00:00+00:00")
    workshop.remember(reset=3)
    kept = workshop.state()
    (workshop.var_dir / "workshop.json").write_text("{not json")

    assert kept == {"signups_since": "2026-01-05T09:00:00+00:00", "reset": 3}
    assert workshop.state() == {}


def test_child_processes_see_the_learners_code_first(tmp_path):
    workshop = workshop_from_env({"PYTHONPATH": "/elsewhere"}, cwd=tmp_path)

    env = workshop.subprocess_env()

    assert env["PYTHONPATH"].split(":")[:2] == [str(tmp_path.resolve()), "/elsewhere"]
    assert env["STRANGLER_VAR_DIR"] == str(tmp_path.resolve() / ".var")
