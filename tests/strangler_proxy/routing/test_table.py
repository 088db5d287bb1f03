"""The route file: valid tables load; any problem refuses the whole file, naming file, route and field."""
from __future__ import annotations

from pathlib import Path

import pytest

from strangler_proxy.errors import RouteTableError
from strangler_proxy.routing.model import Mode
from strangler_proxy.routing.table import load_table, parse_table

ROOT = Path(__file__).resolve().parents[3]

BACKENDS = """
[backends.monolith]
urls = ["http://127.0.0.1:8000"]
[backends.catalog]
urls = ["http://127.0.0.1:8001", "http://127.0.0.1:8011"]
health_path = "/healthz"
connect_timeout = 0.5
"""


def problems(text: str, **kwargs) -> list[str]:
    with pytest.raises(RouteTableError) as caught:
        parse_table(text, source="routes.toml", **kwargs)
    return caught.value.problems


def test_the_repository_route_file_is_valid_and_covers_the_shop() -> None:
    table = load_table(ROOT / "strangler.toml")
    assert set(table.backends) == {"monolith", "catalog", "notifications"}
    ids = {route.id for route in table.routes}
    assert {"catalog-products-read", "catalog-products-write", "catalog-categories", "notifications-list",
            "accounts", "orders", "coupons", "board"} <= ids
    assert all(route.initial.mode is Mode.MONOLITH for route in table.routes)


def test_a_valid_table_keeps_backends_routes_and_initial_modes() -> None:
    table = parse_table(BACKENDS + """
[[routes]]
id = "products"
context = "catalog"
backend = "catalog"
methods = ["GET"]
paths = ["/api/v1/catalog/products/{id}/"]
mode = "canary"
percent = 12.5
idempotent = true
""")
    assert table.backends["catalog"].urls == ("http://127.0.0.1:8001", "http://127.0.0.1:8011")
    assert table.backends["catalog"].connect_timeout == 0.5
    route = table.route("products")
    assert route is not None and route.initial.mode is Mode.CANARY and route.initial.percent_bp == 1250
    assert route.idempotent and route.methods == frozenset({"GET"})


def test_backend_urls_can_be_replaced_from_the_environment() -> None:
    table = parse_table(BACKENDS, backend_urls={"CATALOG": ("http://10.0.0.5:9000",)})
    assert table.backends["catalog"].urls == ("http://10.0.0.5:9000",)


def test_a_bad_url_from_the_environment_names_the_variable() -> None:
    [problem] = problems(BACKENDS, backend_urls={"CATALOG": ("ftp://x",)})
    assert "STRANGLER_BACKEND_CATALOG_URLS" in problem and "backend 'catalog'" in problem


def test_a_problem_names_the_file_the_route_and_the_field() -> None:
    [problem] = problems(BACKENDS + """
[[routes]]
id = "products"
context = "catalog"
backend = "catalog"
paths = ["/api/v1/catalog/products/"]
mode = "extract"
""")
    assert problem.startswith("routes.toml: route 'products': field 'mode': ")
    assert "'extract'" in problem and "monolith, shadow, canary, extracted, retired" in problem


def test_every_problem_is_reported_at_once() -> None:
    found = problems(BACKENDS + """
[[routes]]
id = "a"
context = "x"
backend = "nope"
paths = ["no-slash"]
methods = ["get"]

[[routes]]
context = "x"
paths = ["/x/"]
colour = "red"
""")
    text = "\n".join(found)
    assert "route 'a': field 'backend': unknown backend 'nope'" in text
    assert "route 'a': field 'paths': pattern 'no-slash'" in text
    assert "route 'a': field 'methods'" in text
    assert "route #2: field 'id': required" in text
    assert "route #2: field 'colour': unknown field" in text


@pytest.mark.parametrize(("snippet", "expected"), [
    ('mode = "canary"', "field 'percent': required with mode = \"canary\""),
    ('mode = "canary"\npercent = 12.345', "at most 2 decimal places"),
    ('mode = "canary"\npercent = 101', "between 0 and 100"),
    ('mode = "extracted"\npercent = 5', "field 'percent': only allowed with mode = \"canary\""),
    ('idempotent = "yes"', "field 'idempotent': must be true or false"),
    ('body_limit = -1', "field 'body_limit'"),
])
def test_field_rules_are_enforced(snippet: str, expected: str) -> None:
    found = problems(BACKENDS + f"""
[[routes]]
id = "r"
context = "catalog"
backend = "catalog"
paths = ["/r/"]
{snippet}
""")
    assert any(expected in p for p in found), found


def test_a_mode_that_needs_a_backend_is_refused_without_one() -> None:
    [problem] = problems(BACKENDS + """
[[routes]]
id = "orders"
context = "orders"
paths = ["/api/v1/orders/**"]
mode = "extracted"
""")
    assert "route 'orders': field 'mode': mode 'extracted' needs a 'backend'" in problem


def test_the_monolith_backend_is_required() -> None:
    found = problems('[backends.catalog]\nurls = ["http://127.0.0.1:1"]\n')
    assert any("[backends.monolith] is required" in p for p in found)


def test_two_routes_claiming_the_same_requests_are_refused() -> None:
    found = problems(BACKENDS + """
[[routes]]
id = "one"
context = "c"
methods = ["GET", "POST"]
paths = ["/p/{id}/"]

[[routes]]
id = "two"
context = "c"
methods = ["GET"]
paths = ["/p/{pk}/"]
""")
    assert any("route 'two': field 'paths'" in p and "route 'one'" in p and "GET" in p for p in found)


def test_the_same_pattern_for_different_methods_is_fine() -> None:
    parse_table(BACKENDS + """
[[routes]]
id = "read"
context = "c"
methods = ["GET"]
paths = ["/p/"]

[[routes]]
id = "write"
context = "c"
methods = ["POST"]
paths = ["/p/"]
""")


@pytest.mark.parametrize("path", ["/_strangler/api/**", "/_strangler/", "/metrics"])
def test_routes_may_not_claim_the_proxy_reserved_paths(path: str) -> None:
    found = problems(BACKENDS + f'[[routes]]\nid = "r"\ncontext = "c"\npaths = ["{path}"]\n')
    assert any("reserves" in p for p in found)


def test_duplicate_ids_and_the_reserved_default_id_are_refused() -> None:
    found = problems(BACKENDS + """
[[routes]]
id = "default"
context = "c"
paths = ["/a/"]

[[routes]]
id = "dup"
context = "c"
paths = ["/b/"]

[[routes]]
id = "dup"
context = "c"
paths = ["/c/"]
""")
    assert any("'default' is reserved" in p for p in found)
    assert any("duplicate route id" in p for p in found)


def test_invalid_toml_is_refused_with_the_parser_message() -> None:
    [problem] = problems("[backends.monolith\nurls = 1")
    assert problem.startswith("routes.toml: not valid TOML")


def test_a_missing_file_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(RouteTableError) as caught:
        load_table(tmp_path / "missing.toml")
    assert "missing.toml: cannot read the route file" in str(caught.value)


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999", "http://127.0.0.1:port", "tcp://127.0.0.1:1",
                                 "http://127.0.0.1:1/base", "http://:80"])
def test_a_bad_backend_url_is_refused(url: str) -> None:
    [problem] = problems(f'[backends.monolith]\nurls = ["{url}"]\n')
    assert "backend 'monolith': field 'urls'" in problem
