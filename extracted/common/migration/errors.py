"""Ways a data migration command fails; each message is one line for the CLI.

    MigrationError            the command cannot go on
    ├── SourceUnavailable     the monolith's database cannot be read
    ├── ServiceUnavailable    the service did not answer (down, timed out, killed mid-batch)
    └── ServiceRefused        the service answered with an error (e.g. watermark moved: 409)
"""
from __future__ import annotations

__all__ = ["MigrationError", "ServiceRefused", "ServiceUnavailable", "SourceUnavailable"]


class MigrationError(RuntimeError):
    """A data migration step failed; nothing half-written stays behind."""


class SourceUnavailable(MigrationError):
    pass


class ServiceUnavailable(MigrationError):
    pass


class ServiceRefused(MigrationError):
    def __init__(self, message: str, *, status: int, code: str):
        super().__init__(message)
        self.status = status
        self.code = code
