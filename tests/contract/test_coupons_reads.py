"""The coupons contract against the monolith: the contract says what the monolith answers.

The extracted side is the workshop's exercise (module 6): `strangler workshop check 6`
runs coupons_service_check.py against the learner's extracted/coupons.
"""
import pytest

from tests.contract.contract import problems, run
from tests.contract.coupons_contracts import COUPONS
from tests.contract.coupons_world import coupons_monolith  # noqa: F401  (a fixture)

# The test database is set up only for sessions holding a django_db test.
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("contract", COUPONS, ids=str)
def test_the_monolith_answers_as_the_coupons_contract_says(coupons_monolith, contract):  # noqa: F811
    response = run(contract, coupons_monolith)

    found = problems(contract, response, base=coupons_monolith.base_url)
    assert not found, f"the monolith breaks '{contract}':\n  " + "\n  ".join(found)
