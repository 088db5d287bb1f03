"""Rules that hold for every input (hypothesis)."""
from __future__ import annotations

import copy
import json
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from strangler_proxy.diff import CompareRules, Kind, ResponseSnapshot, Tolerance, compare_json, compare_responses
from strangler_proxy.diff.json_diff import diff_documents

# No deadline: the machine is shared, and speed is measured in bench/, not here.
thorough = settings(deadline=None, max_examples=150)

# Few distinct keys and small numbers, so that two drawn documents overlap a lot.
keys = st.sampled_from(["id", "a", "b", "x/y", "t~", ""])
scalars = st.none() | st.booleans() | st.integers(-3, 3) | st.floats(-3, 3, allow_nan=False) | st.sampled_from(
    ["", "a", "b", "2025-03-01T12:00:00Z"])
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=25,
)


@thorough
@given(documents)
def test_a_document_compared_with_itself_or_a_copy_has_no_differences(document):
    assert compare_json(document, document) == []
    assert compare_json(document, copy.deepcopy(document)) == []
    assert compare_json(document, json.loads(json.dumps(document))) == []


@thorough
@given(documents, st.sampled_from([200, 404]), st.sampled_from(["application/json", "text/plain"]))
def test_a_response_compared_with_itself_has_no_differences(document, status, content_type):
    body = json.dumps(document).encode()
    primary = ResponseSnapshot(status, {"Content-Type": content_type, "X-Id": "1"}, body)
    again = ResponseSnapshot(status, {"content-type": content_type, "x-id": "1"}, bytes(body))
    rules = CompareRules(headers=("content-type", "x-id"), ignore=("/a",), arrays={"/**": "id"},
                         tolerance=Tolerance(absolute=0.5), timestamps="type", uuids="canonical")
    assert compare_responses(primary, again, rules).matched
    assert compare_responses(primary, again).matched


item = st.fixed_dictionaries({"name": st.text(max_size=3), "tags": st.lists(st.integers(0, 3), max_size=3),
                              "price": st.decimals(0, 100, places=2).map(str)})


@thorough
@given(st.lists(item, max_size=12).flatmap(
    lambda items: st.tuples(st.just([{"id": n, **it} for n, it in enumerate(items)]),
                            st.permutations([{"id": n, **it} for n, it in enumerate(items)]))))
def test_reordering_an_array_compared_as_a_set_keyed_by_a_field_gives_no_differences(pair):
    items, shuffled = pair
    rules = CompareRules(arrays={"/items": "id", "/items/*/tags": ""})
    shuffled = [{**it, "tags": it["tags"][::-1]} for it in shuffled]
    assert compare_json({"items": items}, {"items": shuffled}, rules) == []


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/") or prefix == ""


@thorough
@given(documents, documents, st.data())
def test_ignoring_the_path_of_a_difference_removes_it_and_what_is_under_it_and_nothing_else(a, b, data):
    differences = compare_json(a, b)
    if not differences:
        return
    chosen = data.draw(st.sampled_from(differences))
    remaining = compare_json(a, b, CompareRules(ignore=(chosen.path,)))
    assert remaining == [d for d in differences if not _under(d.path, chosen.path)]


@thorough
@given(documents, documents)
def test_swapping_the_sides_swaps_missing_and_extra_and_keeps_every_path(a, b):
    swap = {Kind.MISSING_KEY: Kind.EXTRA_KEY, Kind.EXTRA_KEY: Kind.MISSING_KEY}
    forward = {(swap.get(d.kind, d.kind), d.path) for d in compare_json(a, b)}
    assert forward == {(d.kind, d.path) for d in compare_json(b, a)}


@thorough
@given(st.integers(-10**6, 10**6), st.integers(0, 10**4), st.booleans())
def test_an_absolute_tolerance_holds_up_to_its_boundary_and_not_one_cent_beyond(cents, tolerance, as_string):
    def value(c):
        return str(Decimal(c) / 100) if as_string else c / 100

    rules = CompareRules(tolerance=Tolerance(absolute=tolerance / 100))
    assert compare_json({"p": value(cents)}, {"p": value(cents + tolerance)}, rules) == []
    assert compare_json({"p": value(cents)}, {"p": value(cents - tolerance)}, rules) == []
    [difference] = compare_json({"p": value(cents)}, {"p": value(cents + tolerance + 1)}, rules)
    assert difference.kind is Kind.VALUE_CHANGED


@thorough
@given(st.integers(1, 10**5), st.integers(0, 100))
def test_a_relative_tolerance_holds_up_to_its_boundary_and_not_one_unit_beyond(units, percent):
    larger = 100 * units
    rules = CompareRules(tolerance=Tolerance(relative=percent / 100))
    assert compare_json({"n": larger}, {"n": larger - units * percent}, rules) == []
    assert len(compare_json({"n": larger}, {"n": larger - units * percent - 1}, rules)) == 1


boolean_free = st.recursive(
    st.none() | st.integers(-3, 3) | st.floats(-3, 3, allow_nan=False) | st.sampled_from(["", "a", "true"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=25,
)


@thorough
@given(boolean_free, boolean_free)
def test_skipping_equal_subtrees_of_boolean_free_documents_finds_the_same_differences(a, b):
    rules = CompareRules(arrays={"/*": "id"}, ignore=("/a/b",))
    assert diff_documents(a, b, rules, boolean_free=True) == compare_json(a, b, rules)
