"""Every way record and replay refuse their input (all are `StranglerError`s: one line on stderr, exit 2).

    StranglerError
    └── ReplayError
        ├── InputFileError     a HAR or request file is unreadable or malformed; the message names
        │                      the file and the place: ``x.har: log.entries[3].request.url: missing``
        └── ReplayTargetError  the route cannot be replayed: unknown, no extracted backend, no URL
"""
from __future__ import annotations

from strangler_proxy.errors import StranglerError

__all__ = ["InputFileError", "ReplayError", "ReplayTargetError"]


class ReplayError(StranglerError):
    """Base of record and replay errors."""


class InputFileError(ReplayError):
    """A HAR or request file cannot be used; nothing was sent."""

    def __init__(self, source: str, where: str, problem: str) -> None:
        self.source, self.where, self.problem = source, where, problem
        super().__init__(f"{source}: {where + ': ' if where else ''}{problem}")


class ReplayTargetError(ReplayError):
    """The route or backend to replay against is not usable."""
