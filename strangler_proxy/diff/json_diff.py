"""Structural comparison of two JSON documents, written for the request path.

Speed comes from doing nothing where the sides agree: a same-type scalar pair costs one
comparison, nothing is allocated for equal members (the path is one list pushed and
popped), and rules are looked up only where the sides differ. Subtrees equal under `==`
are skipped whole only when neither document holds a boolean: otherwise Python's
`True == 1` would hide a boolean turned number, so they are walked.

Semantics, besides the rules (rules.py):
- numbers compare by value: 1 and 1.0 are equal (JSON has one number type);
- arrays of different lengths give one `array_length` difference and their elements are
  not compared (positions mean nothing once an element is inserted); a rule keyed by a
  field compares such arrays element by element;
- when the elements that differ in place are the same elements in another order, the
  array gives one `array_order` difference instead of theirs;
- a keyed array reports `missing_key` / `extra_key` at the element's index on its side.
"""
from __future__ import annotations

from typing import Any

from strangler_proxy.diff.arrays import index_by, is_permutation, match_multiset
from strangler_proxy.diff.display import preview
from strangler_proxy.diff.model import Difference, Kind
from strangler_proxy.diff.paths import normalised_pointer, pointer
from strangler_proxy.diff.plan import Plan
from strangler_proxy.diff.rules import CompareRules
from strangler_proxy.diff.scalars import equal_timestamps, equal_uuids, within_tolerance

__all__ = ["compare_json", "diff_documents", "json_type"]

DEFAULT_RULES = CompareRules()
# Deeper than this, a subtree is compared as a whole (one difference) to bound the recursion.
MAX_DEPTH = 200
_ABSENT = object()
_NUMBER = frozenset((int, float))
_TYPE_NAMES = {dict: "object", list: "array", str: "string", int: "number", float: "number",
               bool: "boolean", type(None): "null"}


def compare_json(primary: Any, candidate: Any, rules: CompareRules = DEFAULT_RULES) -> list[Difference]:
    """Return the differences between two decoded JSON documents, after the rules."""
    return diff_documents(primary, candidate, rules, boolean_free=False)


def diff_documents(primary: Any, candidate: Any, rules: CompareRules, *, boolean_free: bool) -> list[Difference]:
    """Compare like compare_json; `boolean_free` promises neither side holds a true or false.

    Without booleans `==` cannot confuse true with 1, so subtrees equal under `==` are skipped
    whole; compare_responses makes the promise when neither body's bytes spell true or false.
    """
    walk = _Walk(rules.plan, boolean_free)
    try:
        if primary is not candidate and not (boolean_free and primary == candidate):
            _value(walk, primary, candidate)
    except RecursionError:
        # The walk stops at MAX_DEPTH, but `==` and the permutation check recurse in C below
        # it: a hostile document nested hundreds of levels deeper is compared as a whole.
        walk.out, walk.path = [], []
        _too_deep(walk, primary, candidate)
    return walk.out


def json_type(value: Any) -> str:
    """Return the JSON type name of a decoded value."""
    return _TYPE_NAMES.get(type(value), type(value).__name__)


class _Walk:
    __slots__ = ("path", "out", "plan", "active", "keyed", "trust")

    def __init__(self, plan: Plan, trust: bool) -> None:
        self.path: list[str | int] = []
        self.out: list[Difference] = []
        self.plan = plan
        self.active = plan.active
        self.keyed = plan.keyed_arrays
        self.trust = trust  # `==` on containers is exact: no booleans on either side


def _value(walk: _Walk, a: Any, b: Any) -> None:
    kind = type(a)
    if kind is type(b):
        if kind is dict:
            _object(walk, a, b)
        elif kind is list:
            _array(walk, a, b)
        elif a != b:
            _scalar(walk, a, b, kind)
    elif kind in _NUMBER and type(b) in _NUMBER:
        if a != b:
            _scalar(walk, a, b, float)
    else:
        _report(walk, Kind.TYPE_CHANGED, a, b, f"{json_type(a)} → {json_type(b)}")


def _object(walk: _Walk, a: dict[str, Any], b: dict[str, Any]) -> None:
    path = walk.path
    if len(path) >= MAX_DEPTH:
        _too_deep(walk, a, b)
        return
    trust = walk.trust
    missing = False
    for key, va in a.items():
        vb = b.get(key, _ABSENT)
        kind = type(va)
        if kind is type(vb):
            if kind is dict:
                if trust and va == vb:
                    continue
                path.append(key)
                _object(walk, va, vb)
            elif kind is list:
                if trust and va == vb:
                    continue
                path.append(key)
                _array(walk, va, vb)
            elif va == vb:
                continue
            else:
                path.append(key)
                _scalar(walk, va, vb, kind)
        elif vb is _ABSENT:
            missing = True
            path.append(key)
            _report(walk, Kind.MISSING_KEY, va, None)
        else:
            path.append(key)
            _value(walk, va, vb)
        path.pop()
    if missing or len(a) != len(b):
        for key, vb in b.items():
            if key not in a:
                path.append(key)
                _report(walk, Kind.EXTRA_KEY, None, vb)
                path.pop()


def _array(walk: _Walk, a: list[Any], b: list[Any]) -> None:
    path = walk.path
    # Only an array that differs needs its key rule; `!=` is cheap and exits at the first mismatch.
    if walk.keyed and a != b:
        rule = walk.plan.resolve(path)
        if rule.ignored:
            return
        if rule.array_key is not None and _unordered(walk, a, b, rule.array_key):
            return
    count = len(a)
    if count != len(b):
        _report(walk, Kind.ARRAY_LENGTH, count, len(b), f"{count} → {len(b)} elements")
        return
    if len(path) >= MAX_DEPTH:
        _too_deep(walk, a, b)
        return
    trust = walk.trust
    out = walk.out
    start = len(out)
    changed: list[int] = []
    for position, (va, vb) in enumerate(zip(a, b)):
        kind = type(va)
        if kind is type(vb):
            if kind is dict or kind is list:
                if trust and va == vb:
                    continue
            elif va == vb:
                continue
        before = len(out)
        path.append(position)
        if kind is type(vb):
            if kind is dict:
                _object(walk, va, vb)
            elif kind is list:
                _array(walk, va, vb)
            else:
                _scalar(walk, va, vb, kind)
        else:
            _value(walk, va, vb)
        path.pop()
        if len(out) != before:
            changed.append(position)
    if len(changed) >= 2 and is_permutation([a[p] for p in changed], [b[p] for p in changed]):
        del out[start:]
        _report(walk, Kind.ARRAY_ORDER, a, b, f"{len(changed)} of {count} elements in another order")


def _unordered(walk: _Walk, a: list[Any], b: list[Any], key: str) -> bool:
    """Compare as a set keyed by `key` ("" = whole elements); False when the elements do not allow it."""
    path = walk.path
    if not key:
        missing, extra = match_multiset(a, b)
        for position in missing:
            path.append(position)
            _report(walk, Kind.MISSING_KEY, a[position], None)
            path.pop()
        for position in extra:
            path.append(position)
            _report(walk, Kind.EXTRA_KEY, None, b[position])
            path.pop()
        return True
    index_a = index_by(a, key)
    index_b = index_by(b, key) if index_a is not None else None
    if index_a is None or index_b is None:
        return False
    for value, position in index_a.items():
        other = index_b.get(value)
        path.append(position)
        if other is None:
            _report(walk, Kind.MISSING_KEY, a[position], None)
        elif a[position] is not b[other]:
            _object(walk, a[position], b[other])
        path.pop()
    for value, position in index_b.items():
        if value not in index_a:
            path.append(position)
            _report(walk, Kind.EXTRA_KEY, None, b[position])
            path.pop()
    return True


def _scalar(walk: _Walk, a: Any, b: Any, kind: type) -> None:
    """Handle two same-type (or two number) scalars that are not equal."""
    if kind is float and a != a and b != b:
        return  # NaN on both sides (not JSON, but json.loads accepts it)
    if walk.active:
        rule = walk.plan.resolve(walk.path)
        if rule.ignored:
            return
        if kind is str:
            if rule.timestamps is not None and equal_timestamps(a, b, rule.timestamps):
                return
            if rule.uuids is not None and equal_uuids(a, b, rule.uuids):
                return
        if rule.tolerance is not None and (kind is str or kind is int or kind is float):
            if within_tolerance(a, b, *rule.tolerance):
                return
    walk.out.append(_difference(walk.path, Kind.VALUE_CHANGED, a, b, ""))


def _report(walk: _Walk, kind: Kind, a: Any, b: Any, detail: str = "") -> None:
    if walk.active and walk.plan.resolve(walk.path).ignored:
        return
    walk.out.append(_difference(walk.path, kind, a, b, detail))


def _difference(path: list[str | int], kind: Kind, a: Any, b: Any, detail: str) -> Difference:
    return Difference(kind, pointer(path), normalised_pointer(path), preview(a), preview(b), detail)


def _too_deep(walk: _Walk, a: Any, b: Any) -> None:
    if not _deep_equal(a, b):
        _report(walk, Kind.VALUE_CHANGED, a, b, "nested too deeply to compare member by member; compared as a whole")


def _deep_equal(a: Any, b: Any) -> bool:
    """Strict JSON equality without recursion."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if x is y:
            continue
        kind = type(x)
        if kind is dict:
            if type(y) is not dict or x.keys() != y.keys():
                return False
            stack.extend([(v, y[k]) for k, v in x.items()])
        elif kind is list:
            if type(y) is not list or len(x) != len(y):
                return False
            stack.extend(zip(x, y))
        elif kind is type(y) or (kind in _NUMBER and type(y) in _NUMBER):
            if x != y and not (x != x and y != y):
                return False
        else:
            return False
    return True
