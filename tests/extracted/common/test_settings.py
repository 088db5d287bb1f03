from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest

from extracted.catalog.config import read_config as catalog_config
from extracted.common.settings import (
    DEV_JWT_SECRET,
    ROOT,
    ConfigError,
    ServiceConfig,
    broker_url,
    env_flag,
    env_int,
)
from extracted.notifications.config import read_config as notifications_config

SERVICES = {"catalog": (catalog_config, 8001), "notifications": (notifications_config, 8002)}


@dataclass(frozen=True, kw_only=True)
class ExampleConfig(ServiceConfig):
    service: ClassVar[str] = "example"

    port: int = 8009


def test_an_unset_or_blank_integer_is_its_default_and_spaces_around_one_are_ignored():
    assert env_int({}, "X_PORT", 7) == 7
    assert env_int({"X_PORT": "  "}, "X_PORT", 7) == 7
    assert env_int({"X_PORT": " 9 "}, "X_PORT", 7) == 9


@pytest.mark.parametrize("raw", ["eighty", "8.5", "0x10"])
def test_a_bad_integer_is_refused_in_one_line_naming_the_variable(raw):
    with pytest.raises(ConfigError) as caught:
        env_int({"X_PORT": raw}, "X_PORT", 7)

    assert str(caught.value) == f"X_PORT: expected an integer, got {raw!r}"


@pytest.mark.parametrize("raw, expected", [("1", True), ("", True), ("yes", True), ("0", False), (" Off ", False),
                                           ("FALSE", False), ("no", False)])
def test_a_switch_is_on_unless_it_says_off(raw, expected):
    assert env_flag({"X_ON": raw}, "X_ON", True) is expected
    assert env_flag({}, "X_ON", False) is False


def test_the_broker_is_celerys_then_redis_then_a_local_folder():
    assert broker_url({"CELERY_BROKER_URL": "redis://a", "REDIS_URL": "redis://b"}) == "redis://a"
    assert broker_url({"REDIS_URL": "redis://b"}) == "redis://b"
    assert broker_url({}) == "filesystem://"


def test_a_service_reads_the_shared_settings_under_its_own_name(tmp_path):
    config = ExampleConfig.from_env({
        "STRANGLER_VAR_DIR": str(tmp_path), "EXAMPLE_HOST": "0.0.0.0", "EXAMPLE_PORT": "9000",
        "EXAMPLE_WORKERS": "3", "EXAMPLE_THREADS": "5", "EXAMPLE_ALLOWED_HOSTS": "a.test, b.test",
        "EXAMPLE_MAX_BODY_BYTES": "10", "STRANGLER_JWT_SECRET": "s", "STRANGLER_JWT_ISSUER": "i",
        "CATALOG_PORT": "1",
    })

    assert config == ExampleConfig(database_url=f"sqlite:///{tmp_path / 'example.sqlite3'}", jwt_secret="s",
                                   jwt_issuer="i", host="0.0.0.0", port=9000, workers=3, threads=5,
                                   allowed_hosts=("a.test", "b.test"), max_body_bytes=10, var_dir=tmp_path)


def test_defaults_are_a_laptops_with_the_services_own_port_and_file():
    config = ExampleConfig.from_env({})

    assert (config.host, config.port, config.workers, config.threads) == ("127.0.0.1", 8009, 2, 4)
    assert config.var_dir == ROOT / ".var" and config.database_url == f"sqlite:///{ROOT / '.var' / 'example.sqlite3'}"
    assert config.jwt_secret == DEV_JWT_SECRET and config.allowed_hosts == ("*",)


def test_a_service_must_give_its_port_a_default():
    @dataclass(frozen=True, kw_only=True)
    class Portless(ServiceConfig):
        service: ClassVar[str] = "portless"

    with pytest.raises(TypeError, match="port"):
        Portless.from_env({})


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("setting", ["PORT", "WORKERS", "THREADS", "MAX_BODY_BYTES"])
def test_each_service_names_its_own_bad_integer(service, setting):
    read_config, _ = SERVICES[service]
    name = f"{service.upper()}_{setting}"

    with pytest.raises(ConfigError, match=f"^{name}: expected an integer, got 'eighty'$"):
        read_config({name: "eighty"})


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_keeps_its_port_and_database_file(service, tmp_path):
    read_config, port = SERVICES[service]

    config = read_config({"STRANGLER_VAR_DIR": str(tmp_path)})

    assert config.port == port and config.database_url == f"sqlite:///{tmp_path / f'{service}.sqlite3'}"
    assert config.with_changes(port=1).port == 1 and isinstance(config.var_dir, Path)
