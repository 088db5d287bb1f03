"""Every answer of the extracted services fits the monolith's OpenAPI schema (and so does the monolith's)."""
import pytest

from tests.contract.catalog_contracts import CATALOG
from tests.contract.contract import run
from tests.contract.notifications_contracts import NOTIFICATIONS
from tests.contract.openapi import monolith_openapi, schema_problems

# The schema cannot describe a redirect to the slash or the OPTIONS metadata (Django and
# DRF add them around every view); the contracts pin those instead.
_OUTSIDE_SCHEMA = {"a path without its slash redirects", "OPTIONS describes the operation",
                   "OPTIONS describes the list"}
CATALOG_READS = [c for c in CATALOG if c.reads_only and c.name not in _OUTSIDE_SCHEMA]
NOTIFICATION_READS = [c for c in NOTIFICATIONS if c.reads_only and c.name not in _OUTSIDE_SCHEMA]


@pytest.fixture(scope="module")
def openapi():
    return monolith_openapi()[0]


@pytest.mark.parametrize("side_name", ["monolith", "service"])
def test_every_catalog_read_fits_the_monolith_schema(read_world, openapi, side_name):
    side = read_world.monolith if side_name == "monolith" else read_world.catalog
    found = []
    for contract in CATALOG_READS:
        response = run(contract, side)
        found += schema_problems(openapi, response.request, response)
    assert not found, f"the {side_name} answers outside the schema:\n  " + "\n  ".join(found)


@pytest.mark.parametrize("side_name", ["monolith", "service"])
def test_every_notifications_read_fits_the_monolith_schema(read_world, openapi, side_name):
    side = read_world.monolith if side_name == "monolith" else read_world.notifications
    found = []
    for contract in NOTIFICATION_READS:
        response = run(contract, side)
        found += schema_problems(openapi, response.request, response)
    assert not found, f"the {side_name} answers outside the schema:\n  " + "\n  ".join(found)


@pytest.mark.parametrize("contract", [c for c in CATALOG if not c.reads_only and c.owner], ids=str)
def test_every_catalog_write_answer_of_the_service_fits_the_schema(transactional_db, catalog_side, openapi,
                                                                   contract):
    response = run(contract, catalog_side)

    assert schema_problems(openapi, response.request, response) == []


@pytest.mark.parametrize("contract", [c for c in NOTIFICATIONS if not c.reads_only], ids=str)
def test_every_notifications_write_answer_of_the_service_fits_the_schema(transactional_db, notifications_side,
                                                                         openapi, contract):
    response = run(contract, notifications_side)

    assert schema_problems(openapi, response.request, response) == []
