"""Each service's command line, built by extracted/common/cli.py: same commands, same one-line refusals.

Catalog and notifications run in this process (click's runner); the workshop's reference
coupons service runs as a learner runs it, from a copy of extracted/ with it added.
"""
from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.loopback import ROOT

COMMANDS = {"catalog": ["initdb", "relay", "serve", "worker"], "notifications": ["initdb", "serve", "worker"]}
PORTS = {"catalog": 8001, "notifications": 8002, "coupons": 8003}
SETTINGS = ["PORT", "WORKERS", "THREADS", "MAX_BODY_BYTES"]


def _main(service: str):
    return importlib.import_module(f"extracted.{service}.__main__").main


def _run(service: str, args: list[str], var_dir: Path, **env: str):
    env = {"STRANGLER_VAR_DIR": str(var_dir), f"{service.upper()}_DATABASE_URL": None,
           "CELERY_BROKER_URL": "memory://", **env}
    return CliRunner().invoke(_main(service), args, env=env)


@pytest.mark.parametrize("service", COMMANDS)
def test_each_service_offers_its_own_commands(service):
    assert sorted(_main(service).commands) == COMMANDS[service]


@pytest.mark.parametrize("service", COMMANDS)
@pytest.mark.parametrize("setting", SETTINGS)
def test_every_command_refuses_a_bad_setting_in_one_line_naming_it_and_writes_nothing(service, setting, tmp_path):
    name = f"{service.upper()}_{setting}"
    for args in [[], *([command] for command in COMMANDS[service])]:
        result = _run(service, args, tmp_path, **{name: "eighty"})

        assert result.exit_code == 1, args
        assert result.output == f"Error: {name}: expected an integer, got 'eighty'\n", args
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("service", COMMANDS)
def test_initdb_creates_the_services_tables_and_says_so(service, tmp_path):
    result = _run(service, ["initdb"], tmp_path)

    assert (result.exit_code, result.output) == (0, f"{service} tables ready\n")
    assert (tmp_path / f"{service}.sqlite3").is_file()
    assert _run(service, ["initdb"], tmp_path).exit_code == 0  # twice is harmless


@pytest.mark.parametrize("service", COMMANDS)
def test_help_names_the_services_own_variables_port_and_the_commands_that_create_tables(service, tmp_path):
    serve = _run(service, ["serve", "--help"], tmp_path).output
    initdb = _run(service, ["initdb", "--help"], tmp_path).output
    starting = {"catalog": "serve, worker and relay also do this", "notifications": "serve and worker also do this"}

    name = service.upper()
    assert f"{name}_HOST:{name}_PORT (default 127.0.0.1:{PORTS[service]})" in " ".join(serve.split())
    assert f"({starting[service]} on start)" in " ".join(initdb.split())


def test_the_worker_options_keep_each_services_default_concurrency(tmp_path):
    assert "[default: 1]" in _run("catalog", ["worker", "--help"], tmp_path).output
    assert "[default: 2]" in _run("notifications", ["worker", "--help"], tmp_path).output
    assert "[default: 1.0]" in _run("catalog", ["relay", "--help"], tmp_path).output


def test_a_bad_option_value_is_a_usage_error(tmp_path):
    result = _run("catalog", ["worker", "--concurrency", "many"], tmp_path)

    assert result.exit_code == 2 and "'many' is not a valid integer" in result.output


@pytest.fixture(scope="module")
def coupons_checkout(tmp_path_factory) -> Path:
    """A learner's tree after module 6: extracted/ with the reference coupons service in it."""
    root = tmp_path_factory.mktemp("learner")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "extracted", root / "extracted", ignore=ignore)
    shutil.copytree(ROOT / "docs" / "workshop" / "solutions" / "06" / "extracted" / "coupons",
                    root / "extracted" / "coupons", ignore=ignore)
    return root


def _coupons(root: Path, var_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "extracted.coupons", *args], cwd=root, capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root),
                                            "STRANGLER_VAR_DIR": str(var_dir), **env})


def test_the_reference_coupons_service_serves_and_creates_its_tables_only(coupons_checkout, tmp_path):
    listing = _coupons(coupons_checkout, tmp_path, "--help").stdout
    initdb_help = _coupons(coupons_checkout, tmp_path, "initdb", "--help").stdout
    initdb = _coupons(coupons_checkout, tmp_path, "initdb")

    assert [line.split()[0] for line in listing.split("Commands:")[1].strip().splitlines()] == ["initdb", "serve"]
    assert "(serve also does this on start)" in " ".join(initdb_help.split())
    assert (initdb.returncode, initdb.stdout) == (0, "coupons tables ready\n")
    assert (tmp_path / "coupons.sqlite3").is_file()


@pytest.mark.parametrize("command", [[], ["serve"], ["initdb"]])
def test_the_reference_coupons_service_refuses_a_bad_setting_in_one_line(coupons_checkout, tmp_path, command):
    result = _coupons(coupons_checkout, tmp_path, *command, COUPONS_PORT="eighty")

    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr == "Error: COUPONS_PORT: expected an integer, got 'eighty'\n"
    assert list(tmp_path.iterdir()) == []
