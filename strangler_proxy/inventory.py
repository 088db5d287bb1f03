"""The monolith's endpoints, read from Django's URL resolver, and which route covers each."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

__all__ = ["Endpoint", "InventoryRow", "inventory_rows", "monolith_endpoints"]

_CONVERTER = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
_SAMPLES = {"int": "1", "slug": "sample", "str": "sample", "uuid": "00000000-0000-0000-0000-000000000001",
            "path": "sample"}
_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Endpoint:
    """One path pattern of the monolith and the methods its view answers."""

    pattern: str       # e.g. /api/v1/catalog/products/{product_id}/
    sample_path: str   # a concrete path the pattern matches, for route matching
    methods: tuple[str, ...]
    context: str       # the Django app (bounded context) that serves it
    name: str


def _context_of(callback) -> str:
    module = getattr(getattr(callback, "cls", callback), "__module__", "") or ""
    parts = module.split(".")
    if parts[0] == "monolith" and len(parts) > 2:
        return parts[1]
    return "platform" if parts[0] in ("monolith", "drf_spectacular") else parts[0]


def _methods_of(callback) -> tuple[str, ...]:
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is None:
        return ("GET",)
    return tuple(m.upper() for m in _METHODS if hasattr(view_class, m))


def _walk(patterns, prefix: str):
    for entry in patterns:
        route = str(entry.pattern)
        if hasattr(entry, "url_patterns"):
            yield from _walk(entry.url_patterns, prefix + route)
        else:
            yield prefix + route, entry


def monolith_endpoints() -> list[Endpoint]:
    """Every endpoint Django would serve, in URL order (sets Django up if needed)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monolith.settings.local")
    import django

    django.setup()
    from django.urls import get_resolver

    endpoints = []
    for route, entry in _walk(get_resolver().url_patterns, ""):
        pattern = "/" + _CONVERTER.sub(lambda m: "{" + m["name"] + "}", route)
        sample = "/" + _CONVERTER.sub(lambda m: _SAMPLES.get(m["conv"] or "str", "sample"), route)
        endpoints.append(Endpoint(pattern=pattern, sample_path=sample, methods=_methods_of(entry.callback),
                                  context=_context_of(entry.callback), name=entry.name or ""))
    return endpoints


@dataclass(frozen=True)
class InventoryRow:
    """One endpoint and method with the route that covers it (None: no route names it)."""

    context: str
    method: str
    pattern: str
    route_id: str | None
    mode: str


def inventory_rows(endpoints: list[Endpoint], table, snapshot) -> list[InventoryRow]:
    """Match every endpoint and method against the route table, as the proxy would."""
    from strangler_proxy.control import effective_state
    from strangler_proxy.routing.matching import Matcher
    from strangler_proxy.routing.paths import canonical_target

    matcher = Matcher(table.routes)
    rows = []
    for endpoint in endpoints:
        segments = canonical_target(endpoint.sample_path).segments
        for method in endpoint.methods:
            match = matcher.match(method, segments)
            if match is None:
                rows.append(InventoryRow(endpoint.context, method, endpoint.pattern, None, "monolith"))
                continue
            state = effective_state(match.route, snapshot)
            rows.append(InventoryRow(endpoint.context, method, endpoint.pattern, match.route.id, state.mode.value))
    return rows
