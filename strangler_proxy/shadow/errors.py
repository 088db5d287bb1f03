"""Every way the shadow's results fail, as one hierarchy (all are `StranglerError`s).

    StranglerError
    └── StoreError
        └── StoreUnavailable
            └── ResultsUnavailable   the results store (SQLite file, Redis) cannot be read or written;
                                     the mirror keeps its batch and retries, the CLI exits with a line

A flip the evidence gate refuses is the control plane's `FlipRefused`; bad HAR and request
files are `strangler_proxy.replay.errors`.
"""
from __future__ import annotations

from strangler_proxy.errors import StoreUnavailable

__all__ = ["ResultsUnavailable"]


class ResultsUnavailable(StoreUnavailable):
    """The results store cannot be reached or is not readable."""
