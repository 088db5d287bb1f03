"""The catalog contract's reads, against the monolith and the extracted catalog service (one shared shop)."""
import pytest

from tests.contract.catalog_contracts import CATALOG
from tests.contract.contract import problems, run

# The shop is seeded into the test database, which pytest-django sets up only for django_db tests.
pytestmark = pytest.mark.django_db

READS = [c for c in CATALOG if c.reads_only]


@pytest.fixture(params=["monolith", "service"])
def side(request, read_world):
    return read_world.monolith if request.param == "monolith" else read_world.catalog


@pytest.mark.parametrize("contract", READS, ids=str)
def test_each_side_answers_as_the_catalog_contract_says(side, contract):
    response = run(contract, side)

    found = problems(contract, response, base=side.base_url)
    assert not found, f"the {side.name} breaks '{contract}':\n  " + "\n  ".join(found)


@pytest.mark.parametrize("contract", READS, ids=str)
def test_both_sides_answer_every_read_byte_for_byte(read_world, contract):
    monolith, service = read_world.monolith, read_world.catalog
    ours, theirs = run(contract, monolith), run(contract, service)

    assert theirs.status_code == ours.status_code
    assert theirs.content.replace(service.base_url.encode(), b"<base>") == \
        ours.content.replace(monolith.base_url.encode(), b"<base>")
