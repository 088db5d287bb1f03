"""Every way the side-job machinery fails, and who sees it.

    JobsError                    base of everything below
    ├── BrokerUnavailable        the broker refused, timed out or was unreachable while
    │                            publishing; the relay backs off and tries again, the
    │                            events stay unsent (nothing is lost)
    ├── RelayAlreadyRunning      SQLite allows one relay and another process holds the lock
    ├── ProfileError             the Celery profile is unsafe (a retry delay or a time
    │                            limit reaches the Redis visibility timeout); workers and
    │                            relays refuse to start
    ├── DeadLetterNotFound       `strangler jobs retry ID` named no pending dead letter
    └── RetentionTooShort        a prune would delete inbox rows while duplicates of their
                                 events can still arrive

A failing side job is not an error here: it is retried with backoff, then written to
the dead-letter table (monolith.outbox.models.DeadLetter), never dropped. So is a job
that kills its worker every time it starts (monolith.outbox.models.JobStart).
"""
from __future__ import annotations

__all__ = [
    "BrokerUnavailable",
    "DeadLetterNotFound",
    "JobsError",
    "ProfileError",
    "RelayAlreadyRunning",
    "RetentionTooShort",
]


class JobsError(Exception):
    """Base class of the side-job errors."""


class BrokerUnavailable(JobsError):
    """Publishing to the broker failed; nothing was marked sent."""


class RelayAlreadyRunning(JobsError):
    """Another relay holds the single-relay lock (SQLite)."""


class ProfileError(JobsError):
    """The Celery profile would let Redis redeliver a message that is still in use."""


class DeadLetterNotFound(JobsError):
    """No dead letter with that id is waiting for a retry."""


class RetentionTooShort(JobsError):
    """Pruning this young would delete inbox rows that still stop duplicates."""
