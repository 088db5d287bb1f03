"""Where the learner's stack is: found from the same variables `strangler up` and the proxy read.

    STRANGLER_WORKSHOP_ROOT        the repository the learner works in      the working directory
    STRANGLER_VAR_DIR              the stack's data folder                   <root>/.var
    STRANGLER_PROXY_HOST / _PORT   the proxy                                 127.0.0.1:8080
    MONOLITH_PORT, CATALOG_PORT, NOTIFICATIONS_PORT   the backends, as `strangler up` starts them
    STRANGLER_ADMIN_TOKEN(_FILE)   the admin token; else <var dir>/admin-token, which `strangler up` writes
    STRANGLER_ROUTES, STRANGLER_STORE, REDIS_URL, STRANGLER_BACKEND_<NAME>_URLS   as for the proxy

Relative paths (the route file, a SQLite route store) are taken from the root, so a command
gives the same answer from any folder.
"""
from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from strangler_proxy.config import ProxySettings
from strangler_proxy.errors import ConfigError
from strangler_proxy.routing.model import RouteTable
from strangler_proxy.routing.table import load_table
from strangler_proxy.shadow.results import open_results
from strangler_proxy.shadow.results.base import ResultsStore
from strangler_proxy.stack.processes import stack_environment, stack_settings
from strangler_proxy.store import RouteStore, open_store

__all__ = ["Workshop", "workshop_from_env"]

_STATE_FILE = "workshop.json"


@dataclass(frozen=True)
class Workshop:
    """The learner's repository, stack and control plane."""

    root: Path
    var_dir: Path
    settings: ProxySettings
    proxy_url: str
    admin_token: str | None
    environ: Mapping[str, str]

    @property
    def docs(self) -> Path:
        """Return docs/workshop/ of the learner's repository."""
        return self.root / "docs" / "workshop"

    @property
    def routes_file(self) -> Path:
        """Return the route file the proxy reads."""
        return self.settings.routes_file

    def backend_url(self, name: str) -> str:
        """Return the first URL of a backend, as the proxy would use it."""
        table = self.table()
        backend = table.backends.get(name)
        if backend is None:
            raise KeyError(name)
        return backend.urls[0].rstrip("/")

    def table(self) -> RouteTable:
        """Load and validate the route file (RouteTableError lists its problems)."""
        return load_table(self.routes_file, backend_urls=self.settings.backend_urls)

    @contextlib.contextmanager
    def store(self) -> Iterator[RouteStore]:
        """Open the route store the proxy uses."""
        store = open_store(self.settings)
        try:
            yield store
        finally:
            store.close()

    @contextlib.contextmanager
    def results(self) -> Iterator[ResultsStore]:
        """Open the shadow results store beside the route store."""
        kind = self.settings.store_kind
        results = open_results(self.settings, kind)
        try:
            yield results
        finally:
            results.close()

    def proxy(self, *, timeout: float = 10.0) -> httpx.Client:
        """Return a client for the proxy (the caller closes it)."""
        return httpx.Client(base_url=self.proxy_url, timeout=timeout)

    def admin_get(self, path: str, *, timeout: float = 10.0) -> httpx.Response:
        """GET an admin API path (under /_strangler/api/) with the admin token."""
        headers = {"Authorization": f"Bearer {self.admin_token}"} if self.admin_token else {}
        with self.proxy(timeout=timeout) as client:
            return client.get(f"/_strangler/api/{path.lstrip('/')}", headers=headers)

    def state(self) -> dict[str, Any]:
        """Return what earlier workshop commands remembered (e.g. when module 5 started)."""
        try:
            data = json.loads((self.var_dir / _STATE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def remember(self, **values: Any) -> None:
        """Add values to the remembered state (written whole, atomically)."""
        self.var_dir.mkdir(parents=True, exist_ok=True)
        path = self.var_dir / _STATE_FILE
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps({**self.state(), **values}, indent=2), encoding="utf-8")
        temporary.replace(path)

    def subprocess_env(self) -> dict[str, str]:
        """Return the environment for a child process that must see this repository's code first."""
        env = dict(self.environ)
        env["STRANGLER_VAR_DIR"] = str(self.var_dir)
        paths = [str(self.root), *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]]
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
        return env


def workshop_from_env(environ: Mapping[str, str] | None = None, *, cwd: Path | None = None) -> Workshop:
    """Find the learner's repository and stack (ConfigError names a bad variable)."""
    env = dict(os.environ if environ is None else environ)
    root = Path(env.get("STRANGLER_WORKSHOP_ROOT") or cwd or Path.cwd()).resolve()
    var_dir = Path(env.get("STRANGLER_VAR_DIR") or root / ".var")
    var_dir = (root / var_dir if not var_dir.is_absolute() else var_dir).resolve()
    settings = ProxySettings.from_env(env)
    routes_file = settings.routes_file if settings.routes_file.is_absolute() else root / settings.routes_file
    changes: dict[str, Any] = {"routes_file": routes_file, "backend_urls": _backend_urls(env, settings)}
    if settings.store_kind == "sqlite" and not settings.sqlite_path.is_absolute():
        changes["store_url"] = f"sqlite:///{root / settings.sqlite_path}"
    settings = settings.with_overrides(**changes)
    host = settings.host if settings.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
    return Workshop(root=root, var_dir=var_dir, settings=settings, proxy_url=f"http://{host}:{settings.port}",
                    admin_token=settings.admin_token or _token_file(var_dir), environ=env)


def _backend_urls(env: Mapping[str, str], settings: ProxySettings) -> dict[str, tuple[str, ...]]:
    """The backends `strangler up` starts (on MONOLITH_PORT...), unless the environment names others."""
    urls: dict[str, tuple[str, ...]] = {}
    try:
        stack = stack_settings(dict(env))
    except ValueError as error:
        raise ConfigError(f"a port variable (MONOLITH_PORT, CATALOG_PORT...) is not a number: {error}") from None
    for name, value in stack_environment(stack).items():
        if name.startswith("STRANGLER_BACKEND_") and name.endswith("_URLS"):
            urls[name.removeprefix("STRANGLER_BACKEND_").removesuffix("_URLS")] = (value,)
    return {**urls, **settings.backend_urls}


def _token_file(var_dir: Path) -> str | None:
    try:
        return (var_dir / "admin-token").read_text(encoding="utf-8").strip() or None
    except OSError:
        return None
