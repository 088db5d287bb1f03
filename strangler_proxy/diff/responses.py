"""Compare two whole responses: status, allow-listed headers, then the body by its kind."""
from __future__ import annotations

import json
from typing import Any

from strangler_proxy.diff.display import preview
from strangler_proxy.diff.json_diff import DEFAULT_RULES, diff_documents
from strangler_proxy.diff.model import Comparison, Difference, Kind
from strangler_proxy.diff.rules import CompareRules
from strangler_proxy.diff.snapshot import ResponseSnapshot, is_json_media_type
from strangler_proxy.diff.text_diff import compare_text

__all__ = ["compare_bodies", "compare_responses"]

_NOT_JSON = object()


def compare_responses(primary: ResponseSnapshot, candidate: ResponseSnapshot,
                      rules: CompareRules = DEFAULT_RULES) -> Comparison:
    """Return every difference between the primary's response and the candidate's."""
    differences: list[Difference] = []
    if primary.status != candidate.status:
        differences.append(Difference(Kind.STATUS, "", "", primary.status, candidate.status))
    for name in rules.headers:
        left, right = primary.headers.get(name), candidate.headers.get(name)
        if (left.strip() if left is not None else None) != (right.strip() if right is not None else None):
            differences.append(Difference(Kind.HEADER, name, name, preview(left), preview(right)))
    differences.extend(compare_bodies(primary, candidate, rules))
    return Comparison(differences)


def compare_bodies(primary: ResponseSnapshot, candidate: ResponseSnapshot,
                   rules: CompareRules = DEFAULT_RULES) -> list[Difference]:
    """Return the body differences: structural for JSON, textual otherwise, or `body_type`."""
    json_a = is_json_media_type(primary.content_type)
    json_b = is_json_media_type(candidate.content_type)
    if json_a == json_b and primary.body == candidate.body:
        return []  # the usual case when the candidate is right: no parsing at all
    doc_a = _parse(primary.body) if json_a else _NOT_JSON
    doc_b = _parse(candidate.body) if json_b else _NOT_JSON
    if doc_a is not _NOT_JSON and doc_b is not _NOT_JSON:
        return diff_documents(doc_a, doc_b, rules,
                              boolean_free=_spells_no_boolean(primary.body) and _spells_no_boolean(candidate.body))
    if rules.plan.active and rules.plan.resolve(()).ignored:
        return []
    if doc_a is _NOT_JSON and doc_b is _NOT_JSON:
        found = compare_text(primary.body, candidate.body, primary.content_type, candidate.content_type)
        return [found] if found is not None else []
    sides = ("json" if doc_a is not _NOT_JSON else "text", "json" if doc_b is not _NOT_JSON else "text")
    return [Difference(Kind.BODY_TYPE, "", "", sides[0], sides[1],
                       f"primary body is {sides[0]} ({primary.content_type or 'no content type'}), "
                       f"candidate body is {sides[1]} ({candidate.content_type or 'no content type'})")]


def _spells_no_boolean(body: bytes) -> bool:
    # A JSON boolean is the literal true or false; in UTF-8 these bytes appear wherever one does
    # (and sometimes inside strings, which only costs the shortcut).
    return json.detect_encoding(body) == "utf-8" and b"true" not in body and b"false" not in body


def _parse(body: bytes) -> Any:
    if not body:
        return _NOT_JSON
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return _NOT_JSON
