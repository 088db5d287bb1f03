"""Settings from the environment: safe defaults, and bad values named by their variable."""
from __future__ import annotations

from pathlib import Path

import pytest

from strangler_proxy.config import ProxySettings
from strangler_proxy.errors import ConfigError


def test_the_defaults_need_no_environment_at_all() -> None:
    settings = ProxySettings.from_env({})
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 8080, 1)
    assert settings.routes_file == Path("strangler.toml")
    assert settings.store_kind == "sqlite" and settings.sqlite_path == Path(".var/strangler-routes.sqlite3")
    assert settings.admin_token is None and settings.trusted_hops == 0 and settings.body_limit == 10 * 1024 ** 2


def test_redis_is_used_when_redis_url_is_set_and_strangler_store_wins() -> None:
    assert ProxySettings.from_env({"REDIS_URL": "redis://h:6379/1"}).store_kind == "redis"
    explicit = ProxySettings.from_env({"REDIS_URL": "redis://h:6379/1", "STRANGLER_STORE": "/tmp/x.sqlite3"})
    assert explicit.store_kind == "sqlite" and explicit.sqlite_path == Path("/tmp/x.sqlite3")


def test_the_admin_token_file_wins_over_the_variable(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("from-file\n")
    settings = ProxySettings.from_env({"STRANGLER_ADMIN_TOKEN": "from-env", "STRANGLER_ADMIN_TOKEN_FILE": str(token)})
    assert settings.admin_token == "from-file"


def test_backend_urls_come_from_per_backend_variables() -> None:
    settings = ProxySettings.from_env({"STRANGLER_BACKEND_CATALOG_URLS": "http://a:1, http://b:2"})
    assert settings.backend_urls == {"CATALOG": ("http://a:1", "http://b:2")}


@pytest.mark.parametrize(("name", "value", "fragment"), [
    ("STRANGLER_PROXY_PORT", "http", "STRANGLER_PROXY_PORT: expected an integer"),
    ("STRANGLER_PROXY_PORT", "70000", "STRANGLER_PROXY_PORT: must be between 0 and 65535"),
    ("STRANGLER_PROXY_WORKERS", "0", "STRANGLER_PROXY_WORKERS: must be between 1 and 256"),
    ("STRANGLER_TRUSTED_HOPS", "-1", "STRANGLER_TRUSTED_HOPS"),
    ("STRANGLER_STORE_POLL_SECONDS", "soon", "STRANGLER_STORE_POLL_SECONDS: expected a number"),
    ("STRANGLER_ACCESS_LOG", "maybe", "STRANGLER_ACCESS_LOG"),
    ("STRANGLER_STORE", "mysql://x", "STRANGLER_STORE: expected"),
    ("STRANGLER_ADMIN_TOKEN_FILE", "/nonexistent/token", "STRANGLER_ADMIN_TOKEN_FILE: cannot read"),
])
def test_a_bad_value_is_refused_naming_the_variable(name: str, value: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        ProxySettings.from_env({name: value})
