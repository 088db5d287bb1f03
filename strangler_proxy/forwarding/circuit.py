"""A circuit breaker per backend instance.

    closed     requests flow; `failure_threshold` consecutive failures open the circuit
    open       requests are refused without being sent, for `reset_timeout` seconds
    half_open  one probe request is let through: success closes, failure re-opens
"""
from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["CLOSED", "HALF_OPEN", "OPEN", "STATE_VALUES", "CircuitBreaker"]

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"
# Gauge values for the metrics: 0 closed, 1 half-open, 2 open.
STATE_VALUES = {CLOSED: 0, HALF_OPEN: 1, OPEN: 2}


class CircuitBreaker:
    """Count consecutive failures of one instance and refuse it while it is open."""

    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        reset_timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[str], None] | None = None,
    ) -> None:
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self._clock = clock
        self._on_change = on_change
        self._state = CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probing = False

    @property
    def state(self) -> str:
        """Return closed, open or half_open (an open circuit past its timeout reads half_open)."""
        if self._state == OPEN and self._clock() - self._opened_at >= self.reset_timeout:
            return HALF_OPEN
        return self._state

    def allow(self) -> bool:
        """Whether a request may be sent now; in half-open state only the one probe may."""
        if self._state == CLOSED:
            return True
        if self._state == OPEN:
            if self._clock() - self._opened_at < self.reset_timeout:
                return False
            self._set(HALF_OPEN)
        if self._probing:
            return False
        self._probing = True
        return True

    def record_success(self) -> None:
        """A request got an answer that was not a failure."""
        self._failures = 0
        self._probing = False
        if self._state != CLOSED:
            self._set(CLOSED)

    def record_failure(self) -> None:
        """A request failed (connect error, timeout or 5xx)."""
        self._probing = False
        self._failures += 1
        if self._state == HALF_OPEN or self._failures >= self.failure_threshold:
            self._opened_at = self._clock()
            if self._state != OPEN:
                self._set(OPEN)

    def release(self) -> None:
        """A permitted request was not sent after all: free the probe slot."""
        self._probing = False

    def _set(self, state: str) -> None:
        self._state = state
        if self._on_change is not None:
            self._on_change(state)
