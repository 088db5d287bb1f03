"""Read and validate the route file (strangler.toml); a file with any problem is refused whole.

    [backends.<name>]            # `monolith` is required: it gets every unrouted request
    urls = ["http://127.0.0.1:8000"]     # one or more instances, balanced round-robin
    health_path = "/healthz"             # "" turns health checks off
    connect_timeout = 2.0                # seconds; also read_timeout, health_interval, reset_timeout
    failure_threshold = 5                # consecutive failures that open an instance's circuit
    dry_run = false                      # true: it honours X-Strangler-Dry-Run, so unsafe requests may be mirrored

    [[routes]]
    id = "catalog-products-read"
    context = "catalog"                  # the owning bounded context
    backend = "catalog"                  # the extracted backend (omit while only the monolith has it)
    methods = ["GET", "HEAD"]            # omit for every method
    paths = ["/api/v1/catalog/products/", "/api/v1/catalog/products/{id}/"]
    mode = "monolith"                    # initial mode, used until the first flip
    percent = 10                         # canary share, only with mode = "canary"
    idempotent = false                   # true lets failed non-GET requests fall back too
    body_limit = 1048576                 # bytes; default STRANGLER_BODY_LIMIT
    [routes.compare] / [routes.shadow] / [routes.gate]   # comparison and cut-over: strangler_proxy/shadow/policy.py
                                         # ([routes.shadow] reverse = true: the reverse shadow)

Every problem is reported as ``<file>: route '<id>': field '<field>': <what is wrong>``.
"""
from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

from strangler_proxy.config import backend_env_name
from strangler_proxy.errors import RouteTableError
from strangler_proxy.routing.canary import parse_percent
from strangler_proxy.routing.matching import compile_pattern
from strangler_proxy.routing.model import (
    DEFAULT_ROUTE_ID,
    MONOLITH,
    BackendSpec,
    Mode,
    RouteSpec,
    RouteState,
    RouteTable,
)
from strangler_proxy.shadow.policy import ROUTE_TABLES, shadow_policy_parse

__all__ = ["KNOWN_METHODS", "RESERVED_PATHS", "load_table", "parse_table"]

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Served by the proxy itself; no route may claim them.
RESERVED_PATHS = ("/_strangler/", "/metrics")
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
_ROUTE_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
_BACKEND_FIELDS = {"urls", "health_path", "connect_timeout", "read_timeout", "health_interval",
                   "failure_threshold", "reset_timeout", "dry_run"}
_ROUTE_FIELDS = {"id", "context", "backend", "methods", "paths", "mode", "percent", "idempotent",
                 "body_limit", *ROUTE_TABLES}


def load_table(path: Path | str, *, backend_urls: Mapping[str, tuple[str, ...]] | None = None) -> RouteTable:
    """Read and validate the route file; raise RouteTableError listing every problem."""
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise RouteTableError(source, [f"{source}: cannot read the route file: {error.strerror}"]) from None
    return parse_table(data, source=source, backend_urls=backend_urls)


def parse_table(
    data: bytes | str,
    *,
    source: str = "strangler.toml",
    backend_urls: Mapping[str, tuple[str, ...]] | None = None,
) -> RouteTable:
    """Validate route-file content; raise RouteTableError listing every problem."""
    raw = data.encode() if isinstance(data, str) else data
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise RouteTableError(source, [f"{source}: not valid TOML: {error}"]) from None
    checker = _Checker(source)
    for key in document:
        if key not in ("backends", "routes"):
            checker.problem(f"unknown top-level key {key!r} (expected [backends.*] and [[routes]])")
    backends = _backends(checker, document.get("backends"), backend_urls or {})
    routes = _routes(checker, document.get("routes", []), backends)
    if checker.problems:
        raise RouteTableError(source, checker.problems)
    return RouteTable(source, backends, tuple(routes), hashlib.sha256(raw).hexdigest()[:12])


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []

    def problem(self, message: str, *, where: str = "", field: str = "") -> None:
        parts = [self.source]
        if where:
            parts.append(where)
        if field:
            parts.append(f"field {field!r}")
        self.problems.append(": ".join(parts) + ": " + message)


def _backends(
    checker: _Checker, raw: Any, overrides: Mapping[str, tuple[str, ...]]
) -> dict[str, BackendSpec]:
    if not isinstance(raw, dict) or not raw:
        checker.problem("no [backends.*] tables: at least [backends.monolith] is required")
        return {}
    if MONOLITH not in raw:
        checker.problem("[backends.monolith] is required: it serves every request no route names")
    backends: dict[str, BackendSpec] = {}
    for name, spec in raw.items():
        where = f"backend {name!r}"
        if not _NAME.fullmatch(name):
            checker.problem("name must be lowercase letters, digits, '-' or '_'", where=where)
            continue
        if not isinstance(spec, dict):
            checker.problem("must be a table", where=where)
            continue
        for key in spec:
            if key not in _BACKEND_FIELDS:
                checker.problem(f"unknown field (expected one of {', '.join(sorted(_BACKEND_FIELDS))})",
                                where=where, field=key)
        env_name = backend_env_name(name)
        env_urls = overrides.get(env_name.removeprefix("STRANGLER_BACKEND_").removesuffix("_URLS"))
        urls = _urls(checker, where, spec.get("urls"), env_name if env_urls else None, env_urls)
        health = spec.get("health_path", "/healthz")
        if health is False:
            health = ""
        if not isinstance(health, str) or (health and not health.startswith("/")):
            checker.problem("must be a path starting with '/' or \"\" to turn checks off",
                            where=where, field="health_path")
            health = ""
        values = {
            key: _positive(checker, where, key, spec.get(key, default))
            for key, default in (("connect_timeout", 2.0), ("read_timeout", 30.0),
                                 ("health_interval", 5.0), ("reset_timeout", 10.0))
        }
        threshold = spec.get("failure_threshold", 5)
        if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 1:
            checker.problem(f"must be an integer of at least 1, got {threshold!r}",
                            where=where, field="failure_threshold")
            threshold = 5
        dry_run = spec.get("dry_run", False)
        if not isinstance(dry_run, bool):
            checker.problem("must be true or false", where=where, field="dry_run")
        backends[name] = BackendSpec(name, urls, health or None, failure_threshold=threshold,
                                     dry_run=dry_run is True, **values)
    return backends


def _urls(
    checker: _Checker, where: str, raw: Any, env_name: str | None, env_urls: tuple[str, ...] | None
) -> tuple[str, ...]:
    if env_urls:
        raw, label = list(env_urls), f"field 'urls' (from {env_name})"
    else:
        label = "field 'urls'"
    if not isinstance(raw, list) or not raw or not all(isinstance(u, str) for u in raw):
        checker.problem(f"{label}: must be a non-empty list of URLs like \"http://127.0.0.1:8000\"",
                        where=where)
        return ()
    urls = []
    for url in raw:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or not _port_ok(parts) \
                or parts.path not in ("", "/") or parts.query or parts.fragment:
            checker.problem(f"{label}: {url!r} must be http(s)://host[:port] with no path", where=where)
            continue
        urls.append(f"{parts.scheme}://{parts.netloc}")
    return tuple(urls)


def _port_ok(parts: SplitResult) -> bool:
    try:
        return parts.port is None or 0 < parts.port
    except ValueError:  # not a number, or out of range
        return False


def _positive(checker: _Checker, where: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        checker.problem(f"must be a positive number of seconds, got {value!r}", where=where, field=key)
        return 1.0
    return float(value)


def _routes(checker: _Checker, raw: Any, backends: Mapping[str, BackendSpec]) -> list[RouteSpec]:
    if not isinstance(raw, list):
        checker.problem("'routes' must be an array of tables ([[routes]])")
        return []
    routes: list[RouteSpec] = []
    seen_ids: set[str] = set()
    claims: dict[str, list[tuple[str, frozenset[str] | None]]] = {}
    for position, spec in enumerate(raw, start=1):
        if not isinstance(spec, dict):
            checker.problem("must be a table", where=f"route #{position}")
            continue
        route_id = spec.get("id")
        where = f"route {route_id!r}" if isinstance(route_id, str) and route_id else f"route #{position}"
        route = _route(checker, where, spec, backends)
        if route is None:
            continue
        if route.id in seen_ids:
            checker.problem("duplicate route id", where=where, field="id")
        seen_ids.add(route.id)
        for text in route.paths:
            shape = compile_pattern(text).shape
            for other_id, other_methods in claims.get(shape, []):
                overlap = _overlap(route.methods, other_methods)
                if overlap:
                    checker.problem(
                        f"pattern {text!r} claims the same requests ({overlap}) as route {other_id!r}",
                        where=where, field="paths")
            claims.setdefault(shape, []).append((route.id, route.methods))
        routes.append(route)
    return routes


def _route(checker: _Checker, where: str, spec: dict[str, Any], backends: Mapping[str, BackendSpec]) -> RouteSpec | None:
    before = len(checker.problems)
    for key in spec:
        if key not in _ROUTE_FIELDS:
            checker.problem(f"unknown field (expected one of {', '.join(sorted(_ROUTE_FIELDS))})",
                            where=where, field=key)
    route_id = spec.get("id")
    if not isinstance(route_id, str) or not _ROUTE_ID.fullmatch(route_id):
        checker.problem("required: lowercase letters, digits, '.', '-' or '_'", where=where, field="id")
    elif route_id == DEFAULT_ROUTE_ID:
        checker.problem(f"{DEFAULT_ROUTE_ID!r} is reserved for requests no route names",
                        where=where, field="id")
    context = spec.get("context")
    if not isinstance(context, str) or not context.strip():
        checker.problem("required: the bounded context that owns the route", where=where, field="context")
    backend = spec.get("backend")
    if backend is not None:
        if not isinstance(backend, str) or backend not in backends:
            known = ", ".join(sorted(b for b in backends if b != MONOLITH)) or "none"
            checker.problem(f"unknown backend {backend!r} (known: {known})", where=where, field="backend")
        elif backend == MONOLITH:
            checker.problem("names the extracted backend; leave it out while only the monolith serves the route",
                            where=where, field="backend")
    methods = _methods(checker, where, spec.get("methods"))
    paths = _paths(checker, where, spec.get("paths"))
    mode_text = spec.get("mode", Mode.MONOLITH.value)
    try:
        mode = Mode(mode_text)
    except ValueError:
        checker.problem(f"must be one of {', '.join(m.value for m in Mode)} (got {mode_text!r})",
                        where=where, field="mode")
        mode = Mode.MONOLITH
    percent_bp = 0
    if "percent" in spec:
        if mode is not Mode.CANARY:
            checker.problem("only allowed with mode = \"canary\"", where=where, field="percent")
        else:
            try:
                percent_bp = parse_percent(spec["percent"])
            except ValueError as error:
                checker.problem(str(error), where=where, field="percent")
    elif mode is Mode.CANARY:
        checker.problem("required with mode = \"canary\"", where=where, field="percent")
    if mode.needs_backend and backend is None:
        checker.problem(f"mode {mode.value!r} needs a 'backend' to send traffic to", where=where, field="mode")
    idempotent = spec.get("idempotent", False)
    if not isinstance(idempotent, bool):
        checker.problem("must be true or false", where=where, field="idempotent")
    body_limit = spec.get("body_limit")
    if body_limit is not None and (not isinstance(body_limit, int) or isinstance(body_limit, bool) or body_limit < 0):
        checker.problem("must be a number of bytes (0 or more)", where=where, field="body_limit")
    shadow = shadow_policy_parse(spec, lambda field, message: checker.problem(message, where=where, field=field))
    if shadow is not None and shadow.reverse and backend is None:
        checker.problem("needs a 'backend': the reverse shadow compares the extracted side's answers with the "
                        "monolith's", where=where, field="shadow.reverse")
    if len(checker.problems) > before:
        return None
    return RouteSpec(route_id, paths, methods, context.strip(), backend, RouteState(mode, percent_bp),
                     idempotent, body_limit, shadow)


def _methods(checker: _Checker, where: str, raw: Any) -> frozenset[str] | None:
    if raw is None or raw == ["*"]:
        return None
    if not isinstance(raw, list) or not raw or not all(isinstance(m, str) for m in raw):
        checker.problem("must be a non-empty list such as [\"GET\", \"HEAD\"] (or [\"*\"])",
                        where=where, field="methods")
        return None
    unknown = [m for m in raw if m not in KNOWN_METHODS]
    if unknown:
        checker.problem(f"unknown method(s) {', '.join(map(repr, unknown))} (use upper case: "
                        f"{', '.join(sorted(KNOWN_METHODS))})", where=where, field="methods")
    return frozenset(raw)


def _paths(checker: _Checker, where: str, raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(p, str) for p in raw):
        checker.problem("required: a non-empty list of path patterns", where=where, field="paths")
        return ()
    for text in raw:
        try:
            pattern = compile_pattern(text)
        except ValueError as error:
            checker.problem(f"pattern {text!r}: {error}", where=where, field="paths")
            continue
        if pattern.parts[:1] == ("_strangler",) or pattern.parts == ("metrics",):
            checker.problem(f"pattern {text!r} is under a path the proxy reserves "
                            f"({', '.join(RESERVED_PATHS)})", where=where, field="paths")
    return tuple(raw)


def _overlap(a: frozenset[str] | None, b: frozenset[str] | None) -> str:
    if a is None and b is None:
        return "every method"
    common = (b or frozenset()) if a is None else a if b is None else a & b
    return ", ".join(sorted(common))
