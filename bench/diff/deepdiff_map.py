"""DeepDiff's report, translated into the diff engine's (kind, path) findings.

DeepDiff is configured for the engine's semantics where it has an option for them
(positional list comparison, no whole-dict summarising); the rest is translated here:
- list elements of arrays whose lengths differ -> one ("array_length", array path);
- changes inside an array whose elements are the same in another order (the same multiset
  of canonical JSON texts) -> one ("array_order", array path);
- int <-> float "type changes" -> nothing when equal, "value_changed" otherwise
  (JSON has one number type).
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from deepdiff import DeepDiff

from strangler_proxy.diff.paths import pointer

__all__ = ["DEEPDIFF_OPTIONS", "deepdiff_findings", "run_deepdiff", "translate"]

DEEPDIFF_OPTIONS: dict[str, Any] = {"zip_ordered_iterables": True, "threshold_to_diff_deeper": 0}
_KINDS = {
    "values_changed": "value_changed",
    "type_changes": "type_changed",
    "dictionary_item_removed": "missing_key",
    "dictionary_item_added": "extra_key",
    "iterable_item_removed": "array_length",
    "iterable_item_added": "array_length",
}
_NUMBERS = (int, float)


def run_deepdiff(a: Any, b: Any, **options: Any) -> DeepDiff:
    """Run DeepDiff the way the comparison is made (tree view)."""
    return DeepDiff(a, b, view="tree", **DEEPDIFF_OPTIONS, **options)


def deepdiff_findings(a: Any, b: Any, **options: Any) -> set[tuple[str, str]]:
    """Return DeepDiff's findings for a pair as (kind, JSON Pointer) pairs."""
    return translate(run_deepdiff(a, b, **options), a, b)


def translate(report: DeepDiff, a: Any, b: Any) -> set[tuple[str, str]]:
    """Translate a tree-view DeepDiff report on (a, b) into (kind, path) findings."""
    findings: set[tuple[str, str]] = set()
    reorder_cache: dict[tuple[Any, ...], bool] = {}
    for report_type, levels in report.items():
        if report_type not in _KINDS:
            raise AssertionError(f"DeepDiff reported {report_type!r}, which the translation does not know")
        for level in levels:
            segments = level.path(output_format="list")
            kind = _KINDS[report_type]
            if report_type == "type_changes" and _is_number(level.t1) and _is_number(level.t2):
                if level.t1 == level.t2:
                    continue
                kind = "value_changed"
            array = _enclosing_array_change(a, b, segments, reorder_cache)
            findings.add(array if array is not None else (kind, pointer(segments)))
    return findings


def _same_elements(a: list[Any], b: list[Any]) -> bool:
    # DeepDiff's ignore_order would also ignore order inside the elements; this does not.
    return Counter(json.dumps(x, sort_keys=True) for x in a) == Counter(json.dumps(x, sort_keys=True) for x in b)


def _is_number(value: Any) -> bool:
    return type(value) in _NUMBERS


def _enclosing_array_change(a: Any, b: Any, segments: Sequence[Any],
                            cache: dict[tuple[Any, ...], bool]) -> tuple[str, str] | None:
    """Return the outermost array on the path whose length or order differs, as a finding."""
    node_a, node_b = a, b
    for depth in range(len(segments)):
        if type(node_a) is list and type(node_b) is list:
            prefix = tuple(segments[:depth])
            if len(node_a) != len(node_b):
                return ("array_length", pointer(prefix))
            if prefix not in cache:
                cache[prefix] = _same_elements(node_a, node_b)
            if cache[prefix]:
                return ("array_order", pointer(prefix))
        step = segments[depth]
        try:
            node_a, node_b = node_a[step], node_b[step]
        except (KeyError, IndexError, TypeError):
            return None
    return None
