"""The catalog contract's writes, each on a fresh shop, against the monolith and the catalog service."""
import pytest

from tests.contract.catalog_contracts import CATALOG
from tests.contract.contract import problems, run

WRITES = [c for c in CATALOG if not c.reads_only]


@pytest.fixture(params=["monolith", "service"])
def side(request, transactional_db):
    return request.getfixturevalue("monolith_side" if request.param == "monolith" else "catalog_side")


@pytest.mark.parametrize("contract", WRITES, ids=str)
def test_each_side_answers_as_the_catalog_contract_says(side, contract):
    response = run(contract, side)

    found = problems(contract, response, base=side.base_url)
    assert not found, f"the {side.name} breaks '{contract}':\n  " + "\n  ".join(found)
