"""Every way the diff engine refuses its input, as one hierarchy.

    DiffError (ValueError)
    ├── RulesError        a comparison rule (a route's `[routes.compare]` table) is invalid;
    │                     `.field` names the field, e.g. ``compare.tolerance.absolute``
    └── StoredDataError   a stored comparison or noise model cannot be read back;
                          `.field` names the field, e.g. ``fields./results/*/price.noise``

Comparing two responses never raises: whatever the bodies hold, the differences say it.
"""
from __future__ import annotations

__all__ = ["DiffError", "StoredDataError", "RulesError"]


class DiffError(ValueError):
    """Base of every error the diff engine raises on purpose."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"field '{field}': {problem}")
        self.field = field
        self.problem = problem


class RulesError(DiffError):
    """A comparison rule is invalid; nothing of the rule set was built."""


class StoredDataError(DiffError):
    """A serialised comparison or noise model is malformed."""
