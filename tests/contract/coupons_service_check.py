"""The coupons contract against an extracted coupons service: run by `strangler workshop check 6`.

Not collected by the suite (no test_ prefix: extracted/coupons is the workshop's exercise,
absent until a learner writes it); run it by name:
    pytest tests/contract/coupons_service_check.py
"""
import pytest

from tests.contract.contract import problems, run
from tests.contract.coupons_contracts import COUPONS
from tests.contract.coupons_world import coupons_monolith, coupons_world  # noqa: F401  (fixtures)

READS = [c for c in COUPONS if c.method in ("GET", "HEAD", "OPTIONS")]

# The test database is set up only for sessions holding a django_db test.
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("contract", COUPONS, ids=str)
def test_the_coupons_service_answers_as_the_contract_says(coupons_world, contract):  # noqa: F811
    service = coupons_world.service
    response = run(contract, service)

    found = problems(contract, response, base=service.base_url)
    assert not found, "; ".join(found)


@pytest.mark.parametrize("contract", READS, ids=str)
def test_the_coupons_service_answers_every_read_byte_for_byte_as_the_monolith(coupons_world, contract):  # noqa: F811
    monolith, service = coupons_world.monolith, coupons_world.service
    ours, theirs = run(contract, monolith), run(contract, service)

    assert theirs.status_code == ours.status_code, \
        f"the service answers {theirs.status_code}, the monolith {ours.status_code}"
    assert theirs.content.replace(service.base_url.encode(), b"<base>") == \
        ours.content.replace(monolith.base_url.encode(), b"<base>"), \
        f"not byte for byte the monolith's body: {theirs.text[:120]!r} vs {ours.text[:120]!r}"
