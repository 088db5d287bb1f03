"""The circuit breaker: opens after consecutive failures, probes once when half-open."""
from __future__ import annotations

from strangler_proxy.forwarding.circuit import CLOSED, HALF_OPEN, OPEN, CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def breaker(clock: Clock, changes: list[str] | None = None) -> CircuitBreaker:
    return CircuitBreaker(failure_threshold=3, reset_timeout=10.0, clock=clock,
                          on_change=changes.append if changes is not None else None)


def test_the_circuit_opens_after_the_threshold_of_consecutive_failures() -> None:
    clock = Clock()
    circuit = breaker(clock)
    for _ in range(2):
        assert circuit.allow()
        circuit.record_failure()
    assert circuit.state == CLOSED
    circuit.record_failure()
    assert circuit.state == OPEN and not circuit.allow()


def test_a_success_resets_the_failure_count() -> None:
    circuit = breaker(Clock())
    circuit.record_failure()
    circuit.record_failure()
    circuit.record_success()
    circuit.record_failure()
    circuit.record_failure()
    assert circuit.state == CLOSED


def test_after_the_timeout_exactly_one_probe_is_let_through() -> None:
    clock = Clock()
    circuit = breaker(clock)
    for _ in range(3):
        circuit.record_failure()
    clock.now = 10.0
    assert circuit.state == HALF_OPEN
    assert circuit.allow()
    assert not circuit.allow()


def test_a_good_probe_closes_the_circuit_and_a_bad_one_reopens_it() -> None:
    clock = Clock()
    changes: list[str] = []
    circuit = breaker(clock, changes)
    for _ in range(3):
        circuit.record_failure()
    clock.now = 10.0
    assert circuit.allow()
    circuit.record_failure()
    assert circuit.state == OPEN and not circuit.allow()
    clock.now = 20.0
    assert circuit.allow()
    circuit.record_success()
    assert circuit.state == CLOSED and circuit.allow()
    assert changes == [OPEN, HALF_OPEN, OPEN, HALF_OPEN, CLOSED]


def test_a_probe_that_was_not_sent_frees_the_slot() -> None:
    clock = Clock()
    circuit = breaker(clock)
    for _ in range(3):
        circuit.record_failure()
    clock.now = 10.0
    assert circuit.allow()
    circuit.release()
    assert circuit.allow()
