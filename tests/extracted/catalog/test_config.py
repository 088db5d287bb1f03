import subprocess
import sys

import pytest

from extracted.catalog.config import DEV_JWT_SECRET, ConfigError, read_config
from extracted.notifications.config import DEV_JWT_SECRET as NOTIFICATIONS_DEV_SECRET
from monolith.settings.env import read_env
from tests.loopback import ROOT


def test_services_verify_tokens_with_the_monoliths_default_secret(monkeypatch):
    monkeypatch.delenv("STRANGLER_JWT_SECRET", raising=False)

    assert DEV_JWT_SECRET == NOTIFICATIONS_DEV_SECRET == read_env().jwt_secret


def test_defaults_are_safe_for_a_laptop(tmp_path):
    config = read_config({"STRANGLER_VAR_DIR": str(tmp_path)})

    assert config.writer == "monolith" and (config.host, config.port) == ("127.0.0.1", 8001)
    assert config.database_url == f"sqlite:///{tmp_path / 'catalog.sqlite3'}"


@pytest.mark.parametrize("name, value", [("STRANGLER_CATALOG_WRITER", "both"), ("CATALOG_PORT", "eighty")])
def test_a_bad_setting_is_named(name, value):
    with pytest.raises(ConfigError, match=name):
        read_config({name: value})


def test_the_start_command_refuses_a_bad_setting_in_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "extracted.catalog", "initdb"], cwd=ROOT, capture_output=True,
                            text=True, env={"STRANGLER_CATALOG_WRITER": "both", "STRANGLER_VAR_DIR": str(tmp_path),
                                            "PATH": "/usr/bin:/bin"})

    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "STRANGLER_CATALOG_WRITER" in result.stderr.strip().splitlines()[-1]
