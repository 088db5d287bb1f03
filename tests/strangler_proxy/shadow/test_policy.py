"""A route's [routes.compare], [routes.shadow] and [routes.gate] tables, validated with the route file."""
from __future__ import annotations

import pytest

from strangler_proxy.diff import CompareRules
from strangler_proxy.errors import RouteTableError
from strangler_proxy.routing.table import parse_table

BACKENDS = """
[backends.monolith]
urls = ["http://127.0.0.1:8000"]
[backends.catalog]
urls = ["http://127.0.0.1:8001"]
dry_run = true
"""
ROUTE = """
[[routes]]
id = "catalog-read"
context = "catalog"
backend = "catalog"
paths = ["/api/v1/catalog/products/"]
mode = "shadow"
"""


def problems(text: str) -> list[str]:
    with pytest.raises(RouteTableError) as caught:
        parse_table(BACKENDS + ROUTE + text, source="routes.toml")
    return caught.value.problems


def test_the_three_tables_are_read_into_the_routes_shadow_policy() -> None:
    table = parse_table(BACKENDS + ROUTE + """
[routes.compare]
ignore = ["/results/*/updated_at"]
headers = ["content-type", "x-total-count"]
[routes.shadow]
sample_percent = 25
noise_percent = 5.5
timeout = 1.5
concurrency = 8
record_percent = 1
[routes.gate]
min_compared = 200
max_mismatch_percent = 0.5
""")
    policy = table.route("catalog-read").shadow
    assert policy.rules == CompareRules(ignore=("/results/*/updated_at",), headers=("content-type", "x-total-count"))
    assert (policy.sample_percent, policy.noise_percent, policy.timeout, policy.concurrency, policy.record_percent) \
        == (25.0, 5.5, 1.5, 8, 1.0)
    assert (policy.gate.min_compared, policy.gate.max_mismatch_percent) == (200, 0.5)
    assert table.backends["catalog"].dry_run and not table.backends["monolith"].dry_run


def test_a_route_without_the_tables_keeps_no_policy_and_takes_the_defaults() -> None:
    assert parse_table(BACKENDS + ROUTE).route("catalog-read").shadow is None


def test_an_unset_key_is_left_to_the_environment_default() -> None:
    policy = parse_table(BACKENDS + ROUTE + "[routes.shadow]\ntimeout = 2\n").route("catalog-read").shadow
    assert policy.sample_percent is None and policy.gate.min_compared is None and policy.rules == CompareRules()


@pytest.mark.parametrize("text, expected", [
    ("[routes.shadow]\nsample_percent = 101\n",
     "routes.toml: route 'catalog-read': field 'shadow.sample_percent': must be a percentage between 0 and 100, got 101"),
    ("[routes.shadow]\ntimeout = 0\n",
     "routes.toml: route 'catalog-read': field 'shadow.timeout': must be a number of seconds above 0 and at most 600, got 0"),
    ("[routes.shadow]\nconcurrency = 0\n",
     "routes.toml: route 'catalog-read': field 'shadow.concurrency': must be a whole number of at least 1, got 0"),
    ("[routes.shadow]\nsample = 5\n",
     "routes.toml: route 'catalog-read': field 'shadow.sample': unknown setting; expected one of sample_percent, "
     "noise_percent, record_percent, timeout, concurrency, reverse"),
    ("[routes.shadow]\nreverse = \"yes\"\n",
     "routes.toml: route 'catalog-read': field 'shadow.reverse': must be true or false, got 'yes'"),
    ("[routes.gate]\nmin_compared = -1\n",
     "routes.toml: route 'catalog-read': field 'gate.min_compared': must be a whole number of at least 0, got -1"),
    ("[routes.gate]\nmax_mismatch_percent = \"0.1%\"\n",
     "routes.toml: route 'catalog-read': field 'gate.max_mismatch_percent': must be a percentage between 0 and 100, "
     "got '0.1%'"),
    ("[routes.compare]\nignore = \"/a\"\n",
     "routes.toml: route 'catalog-read': field 'compare.ignore': must be a list of path patterns, got a string"),
    ("[routes.compare]\ntolerance = { absolute = -1 }\n",
     "routes.toml: route 'catalog-read': field 'compare.tolerance.absolute': must be a number >= 0, got -1"),
    ("shadow = 3\n", "routes.toml: route 'catalog-read': field 'shadow': must be a table ([routes.shadow])"),
])
def test_a_bad_value_refuses_the_file_naming_route_and_field(text: str, expected: str) -> None:
    assert problems(text) == [expected]


def test_a_backends_dry_run_must_be_a_boolean() -> None:
    with pytest.raises(RouteTableError) as caught:
        parse_table(BACKENDS.replace("dry_run = true", 'dry_run = "yes"') + ROUTE, source="routes.toml")
    assert caught.value.problems == ["routes.toml: backend 'catalog': field 'dry_run': must be true or false"]


def test_the_reverse_shadow_is_off_unless_the_route_turns_it_on() -> None:
    assert parse_table(BACKENDS + ROUTE + "[routes.shadow]\ntimeout = 2\n").route("catalog-read").shadow.reverse is False
    on = parse_table(BACKENDS + ROUTE + "[routes.shadow]\nreverse = true\n").route("catalog-read").shadow
    assert on.reverse is True and on.sample_percent is None


def test_a_reverse_shadow_without_an_extracted_backend_is_refused_naming_the_field() -> None:
    route = ROUTE.replace('backend = "catalog"\n', "").replace('mode = "shadow"', 'mode = "monolith"')
    with pytest.raises(RouteTableError) as caught:
        parse_table(BACKENDS + route + "[routes.shadow]\nreverse = true\n", source="routes.toml")
    assert caught.value.problems == [
        "routes.toml: route 'catalog-read': field 'shadow.reverse': needs a 'backend': the reverse shadow compares "
        "the extracted side's answers with the monolith's"]
