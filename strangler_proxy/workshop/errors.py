"""Every way a workshop command fails (a check that finds something missing is not an error).

    StranglerError                    (strangler_proxy.errors)
    └── WorkshopError                 a workshop command could not do its work; one line for the learner
        ├── UnknownModule             no workshop module has that number
        ├── PlantConflict             a file a plant touches was changed in a way the workshop does not know
        ├── ReferenceMissing          a file of docs/workshop/ (plant, solution) is not there
        └── StepFailed                a step of a reset or a solution did not work (the stack is down...)
"""
from __future__ import annotations

from strangler_proxy.errors import StranglerError

__all__ = ["PlantConflict", "ReferenceMissing", "StepFailed", "UnknownModule", "WorkshopError"]


class WorkshopError(StranglerError):
    """A workshop command could not do its work."""


class UnknownModule(WorkshopError):
    """No workshop module has that number."""


class PlantConflict(WorkshopError):
    """A file a plant touches holds neither the original nor the planted text."""


class ReferenceMissing(WorkshopError):
    """A file the workshop keeps on the side (docs/workshop/...) is missing."""


class StepFailed(WorkshopError):
    """A step of a reset or a solution did not work."""
