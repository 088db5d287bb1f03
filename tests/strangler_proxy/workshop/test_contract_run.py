"""Module 6's contract run reads pytest's JUnit report into one line per broken contract."""
from pathlib import Path

from strangler_proxy.workshop.coupons_contract import ContractRun, _read_junit

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="2" tests="4">
<testcase classname="x" name="test_the_coupons_service_answers_as_the_contract_says[a bad token]"/>
<testcase classname="x" name="test_the_coupons_service_answers_as_the_contract_says[the second page]">
  <failure message="AssertionError: $.results[0].percent_off: expected 8, got '8'; $.count: expected 23, got 3">..</failure>
</testcase>
<testcase classname="x" name="test_the_coupons_service_answers_every_read_byte_for_byte_as_the_monolith[the second page]">
  <failure message="AssertionError: not byte for byte">..</failure>
</testcase>
<testcase classname="x" name="test_x[a smaller page]"><error message="failed on setup with &quot;RuntimeError: oops&quot;">..</error></testcase>
</testsuite></testsuites>
"""


def test_each_broken_contract_keeps_its_first_problem_and_a_setup_error_is_said_once(tmp_path: Path):
    (tmp_path / "junit.xml").write_text(JUNIT)

    run = _read_junit(tmp_path / "junit.xml")

    assert run.tests == 4
    assert run.broken == {"the second page": "$.results[0].percent_off: expected 8, got '8'"}
    assert run.errors == ["RuntimeError: oops"]
    assert not run.passed
    assert run.explain() == "the contract could not run: RuntimeError: oops"


def test_a_run_says_how_many_contracts_broke_and_shows_the_first_few():
    run = ContractRun(tests=10, broken={f"contract {i}": f"problem {i}" for i in range(5)})

    assert run.explain(shown=2) == ("5 contract(s) broken: 'contract 0': problem 0; 'contract 1': problem 1 "
                                    "and 3 more")
    assert ContractRun(tests=3).passed and not ContractRun().passed
