"""DeepDiff's report, translated into the diff engine's (kind, path) findings.

DeepDiff is configured for the engine's semantics where it has an option for them
(positional list comparison, no whole-dict summarising); the rest is translated here:
- list elements of arrays whose lengths differ -> one ("array_length", array path);
- changes inside an array whose differing elements (positions with a finding) are the same
  elements in another order (the same multiset of canonical JSON texts)
  -> one ("array_order", array path);
- int <-> float "type changes" -> nothing when equal, "value_changed" otherwise
  (JSON has one number type).
"""
from __future__ import annotations

import json
from collections import Counter
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
    raw: list[tuple[str, tuple[Any, ...]]] = []
    for report_type, levels in report.items():
        if report_type not in _KINDS:
            raise AssertionError(f"DeepDiff reported {report_type!r}, which the translation does not know")
        for level in levels:
            kind = _KINDS[report_type]
            if report_type == "type_changes" and _is_number(level.t1) and _is_number(level.t2):
                if level.t1 == level.t2:
                    continue
                kind = "value_changed"
            raw.append((kind, tuple(level.path(output_format="list"))))
    # Which element positions of each array hold a finding (the "elements that differ").
    changed: dict[tuple[Any, ...], set[Any]] = {}
    for _, segments in raw:
        for depth in range(len(segments)):
            changed.setdefault(segments[:depth], set()).add(segments[depth])
    reordered: dict[tuple[Any, ...], bool] = {}
    findings = set()
    for kind, segments in raw:
        array = _enclosing_array_change(a, b, segments, changed, reordered)
        findings.add(array if array is not None else (kind, pointer(segments)))
    return findings


def _is_number(value: Any) -> bool:
    return type(value) in _NUMBERS


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _enclosing_array_change(a: Any, b: Any, segments: tuple[Any, ...], changed: dict[tuple[Any, ...], set[Any]],
                            reordered: dict[tuple[Any, ...], bool]) -> tuple[str, str] | None:
    """Return the outermost array on the path whose length or element order differs, as a finding."""
    node_a, node_b = a, b
    for depth in range(len(segments)):
        if type(node_a) is list and type(node_b) is list:
            prefix = segments[:depth]
            if len(node_a) != len(node_b):
                return ("array_length", pointer(prefix))
            if prefix not in reordered:
                # The differing elements, compared whole (DeepDiff's ignore_order would also
                # ignore order inside them), are the same ones in another order.
                positions = changed[prefix]
                reordered[prefix] = len(positions) >= 2 and (
                    Counter(_canonical(node_a[p]) for p in positions)
                    == Counter(_canonical(node_b[p]) for p in positions))
            if reordered[prefix]:
                return ("array_order", pointer(prefix))
        step = segments[depth]
        try:
            node_a, node_b = node_a[step], node_b[step]
        except (KeyError, IndexError, TypeError):
            return None
    return None
