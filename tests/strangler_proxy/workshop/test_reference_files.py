"""The files the workshop keeps on the side: route files, the reference coupons service, the request list."""
import itertools
from pathlib import Path

import pytest

from strangler_proxy.inventory import inventory_rows, monolith_endpoints
from strangler_proxy.replay.model import ReplayRequest
from strangler_proxy.replay.requests_file import read_requests
from strangler_proxy.routing.matching import Matcher
from strangler_proxy.routing.paths import canonical_target
from strangler_proxy.routing.table import load_table
from strangler_proxy.store.base import Snapshot
from strangler_proxy.workshop.registry import MODULES
from strangler_proxy.workshop.traffic import product_paths

ROOT = Path(__file__).resolve().parents[3]
DOCS = ROOT / "docs" / "workshop"


def test_module_1s_solution_is_the_repositorys_own_route_file():
    assert (DOCS / "solutions" / "01" / "strangler.toml").read_text() == (ROOT / "strangler.toml").read_text(), \
        "strangler.toml changed: copy it to docs/workshop/solutions/01/ (and its coupons variant in solutions/06/)"


def test_module_1s_solution_names_every_api_endpoint_of_the_monolith():
    table = load_table(DOCS / "solutions" / "01" / "strangler.toml")

    rows = inventory_rows([e for e in monolith_endpoints() if e.pattern.startswith("/api/v1/")], table, Snapshot())

    assert [f"{r.method} {r.pattern}" for r in rows if r.route_id is None] == []


def test_day_one_has_the_same_backends_and_no_routes():
    day_one = load_table(DOCS / "start" / "strangler.toml")
    solved = load_table(DOCS / "solutions" / "01" / "strangler.toml")

    assert day_one.routes == ()
    assert day_one.backends == solved.backends


def test_module_6s_route_file_only_adds_the_coupons_backend_and_points_the_coupons_route_at_it():
    solved = load_table(DOCS / "solutions" / "01" / "strangler.toml")
    coupons = load_table(DOCS / "solutions" / "06" / "strangler.toml")

    assert set(coupons.backends) - set(solved.backends) == {"coupons"}
    assert coupons.route("coupons").backend == "coupons"
    assert [r.id for r in coupons.routes] == [r.id for r in solved.routes]
    assert [r for r in coupons.routes if r.id != "coupons"] == [r for r in solved.routes if r.id != "coupons"]


@pytest.mark.parametrize("requests", [
    read_requests(DOCS / "requests" / "catalog-products.txt"),
    [ReplayRequest("GET", path) for path in itertools.islice(product_paths(), 500)],
], ids=["compare-requests", "traffic"])
def test_the_product_reads_the_workshop_sends_all_belong_to_catalog_products_read(requests):
    table = load_table(DOCS / "solutions" / "01" / "strangler.toml")
    matcher = Matcher(table.routes)

    routes = {matcher.match(r.method, canonical_target(r.path_qs).segments).route.id for r in requests}

    assert routes == {"catalog-products-read"}


def test_every_module_has_its_page_and_the_readme_lists_it():
    readme = (DOCS / "README.md").read_text()
    for module in MODULES:
        page = ROOT / module.page
        text = page.read_text()
        assert f"({page.name})" in readme, f"docs/workshop/README.md does not link {page.name}"
        for heading in ("## Goal", "## Steps", "## What you should see", "## Check"):
            assert heading in text, f"{page.name} has no '{heading}'"
        assert f"strangler workshop check {module.number}" in text


def test_the_reference_coupons_service_is_a_complete_package():
    service = DOCS / "solutions" / "06" / "extracted" / "coupons"
    names = {p.relative_to(service).as_posix() for p in service.rglob("*.py")}

    assert {"__init__.py", "__main__.py", "api.py", "config.py", "internal.py", "models.py", "runtime.py",
            "selectors.py", "serializers.py", "migration/__init__.py", "migration/tables.py",
            "migration/target.py"} <= names
    assert not list(service.rglob("__pycache__"))
