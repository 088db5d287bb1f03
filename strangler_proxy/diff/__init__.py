"""The response diff engine: pure functions that compare two HTTP responses, and a noise model.

    comparison = compare_responses(primary, candidate, CompareRules.from_mapping(route["compare"]))
    noise.observe_candidate(comparison)
    labels = noise.classify(comparison)          # "real" or "noise" for each difference

No I/O anywhere: the proxy captures responses, this package only compares them.
"""
from __future__ import annotations

from strangler_proxy.diff.errors import DiffError, RulesError, StoredDataError
from strangler_proxy.diff.json_diff import compare_json
from strangler_proxy.diff.model import Comparison, Difference, Kind
from strangler_proxy.diff.noise import FieldStats, NoiseModel
from strangler_proxy.diff.responses import compare_responses
from strangler_proxy.diff.rules import CompareRules, Tolerance
from strangler_proxy.diff.snapshot import Headers, ResponseSnapshot

__all__ = [
    "CompareRules",
    "Comparison",
    "DiffError",
    "Difference",
    "FieldStats",
    "Headers",
    "Kind",
    "NoiseModel",
    "ResponseSnapshot",
    "RulesError",
    "StoredDataError",
    "Tolerance",
    "compare_json",
    "compare_responses",
]
