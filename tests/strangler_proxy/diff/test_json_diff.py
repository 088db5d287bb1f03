"""compare_json without rules: one test per kind of difference, and the semantics around them."""
from __future__ import annotations

import copy

from strangler_proxy.diff import CompareRules, Kind, compare_json
from strangler_proxy.diff.display import DISPLAY_LIMIT
from strangler_proxy.diff.json_diff import MAX_DEPTH

PAGE = {
    "count": 2,
    "results": [
        {"id": 1, "price": "12.50", "in_stock": True, "category": {"id": 3, "name": "Shoes"}, "tags": ["a", "b"]},
        {"id": 2, "price": "3.00", "in_stock": False, "category": {"id": 4, "name": "Hats"}, "tags": []},
    ],
}


def changed(mutate):
    document = copy.deepcopy(PAGE)
    mutate(document)
    return document


def test_equal_documents_have_no_differences():
    assert compare_json(PAGE, copy.deepcopy(PAGE)) == []


def test_a_changed_value_is_reported_at_its_pointer_with_both_values():
    [difference] = compare_json(PAGE, changed(lambda d: d["results"][1].update(price="3.50")))
    assert difference.kind is Kind.VALUE_CHANGED
    assert (difference.path, difference.normalised_path) == ("/results/1/price", "/results/*/price")
    assert (difference.primary, difference.candidate) == ("3.00", "3.50")


def test_a_string_turned_number_is_a_type_change():
    [difference] = compare_json(PAGE, changed(lambda d: d["results"][0].update(price=12.5)))
    assert (difference.kind, difference.path) == (Kind.TYPE_CHANGED, "/results/0/price")
    assert difference.detail == "string → number"


def test_a_boolean_turned_number_is_a_type_change_although_python_finds_them_equal():
    candidate = changed(lambda d: d["results"][0].update(in_stock=1))
    assert candidate == PAGE  # True == 1 in Python: a plain == shortcut would miss this
    [difference] = compare_json(PAGE, candidate)
    assert (difference.kind, difference.path, difference.detail) == (
        Kind.TYPE_CHANGED, "/results/0/in_stock", "boolean → number")


def test_a_boolean_hidden_in_an_equal_looking_array_is_found():
    [difference] = compare_json({"flags": [True, 0]}, {"flags": [1, 0]})
    assert (difference.kind, difference.path) == (Kind.TYPE_CHANGED, "/flags/0")


def test_null_turned_object_is_a_type_change():
    [difference] = compare_json({"coupon": None}, {"coupon": {"code": "X"}})
    assert (difference.kind, difference.detail) == (Kind.TYPE_CHANGED, "null → object")


def test_integer_and_float_of_the_same_value_are_equal_numbers():
    assert compare_json({"total": 10, "n": [1]}, {"total": 10.0, "n": [1.0]}) == []
    [difference] = compare_json({"total": 10}, {"total": 10.5})
    assert difference.kind is Kind.VALUE_CHANGED


def test_a_key_only_the_primary_has_is_missing_and_one_only_the_candidate_has_is_extra():
    def mutate(document):
        del document["results"][0]["category"]
        document["results"][1]["legacy_id"] = 7

    differences = compare_json(PAGE, changed(mutate))
    assert [(d.kind, d.path) for d in differences] == [
        (Kind.MISSING_KEY, "/results/0/category"), (Kind.EXTRA_KEY, "/results/1/legacy_id")]
    assert differences[0].primary == '{"id":3,"name":"Shoes"}' and differences[0].candidate is None
    assert differences[1].primary is None and differences[1].candidate == 7


def test_arrays_of_different_lengths_give_one_length_difference_and_no_element_differences():
    [difference] = compare_json(PAGE, changed(lambda d: d["results"].insert(0, {"id": 9})))
    assert (difference.kind, difference.path) == (Kind.ARRAY_LENGTH, "/results")
    assert (difference.primary, difference.candidate) == (2, 3)


def test_the_same_elements_in_another_order_give_one_order_difference():
    [difference] = compare_json(PAGE, changed(lambda d: d["results"].reverse()))
    assert (difference.kind, difference.path) == (Kind.ARRAY_ORDER, "/results")
    assert difference.detail == "2 of 2 elements in another order"


def test_a_reordering_with_a_changed_element_is_reported_element_by_element():
    def mutate(document):
        document["results"].reverse()
        document["results"][0]["price"] = "0.01"

    kinds = {d.kind for d in compare_json(PAGE, changed(mutate))}
    assert Kind.ARRAY_ORDER not in kinds and Kind.VALUE_CHANGED in kinds


def test_booleans_and_numbers_swapped_in_place_are_not_a_reordering_of_equal_elements():
    differences = compare_json({"a": [True, True]}, {"a": [1, 1]})
    assert [d.kind for d in differences] == [Kind.TYPE_CHANGED, Kind.TYPE_CHANGED]


def test_only_the_displaced_elements_count_towards_the_order_difference():
    [difference] = compare_json({"a": [1, 2, 3, 4]}, {"a": [1, 3, 2, 4]})
    assert difference.detail == "2 of 4 elements in another order"


def test_a_different_root_type_is_a_type_change_at_the_root():
    [difference] = compare_json({"a": 1}, [1])
    assert (difference.kind, difference.path, difference.normalised_path) == (Kind.TYPE_CHANGED, "", "")


def test_pointer_segments_escape_slash_and_tilde():
    [difference] = compare_json({"a/b": {"c~d": 1}}, {"a/b": {"c~d": 2}})
    assert difference.path == "/a~1b/c~0d"


def test_nested_arrays_normalise_every_index():
    [difference] = compare_json({"m": [[0, {"x": 1}]]}, {"m": [[0, {"x": 2}]]})
    assert (difference.path, difference.normalised_path) == ("/m/0/1/x", "/m/*/*/x")


def test_long_values_are_cut_for_display():
    [difference] = compare_json({"text": "a" * 1000}, {"text": "b" * 1000})
    assert len(difference.primary) == DISPLAY_LIMIT and difference.primary.endswith("…")
    [missing] = compare_json({"big": list(range(100_000))}, {})
    assert len(missing.primary) == DISPLAY_LIMIT


def test_nan_on_both_sides_is_not_a_difference():
    assert compare_json({"x": float("nan")}, {"x": float("nan")}) == []


def test_documents_nested_deeper_than_the_limit_are_compared_as_a_whole_below_it():
    def nest(leaf, depth):
        document = leaf
        for _ in range(depth):
            document = {"n": document}
        return document

    depth = MAX_DEPTH + 300
    assert compare_json(nest(1, depth), nest(1, depth)) == []
    [difference] = compare_json(nest(1, depth), nest(2, depth))
    assert difference.kind is Kind.VALUE_CHANGED
    assert difference.path == "/n" * MAX_DEPTH
    assert "compared as a whole" in difference.detail


def test_hostile_nesting_inside_arrays_is_compared_as_a_whole_and_never_raises():
    def nest(leaf, depth):
        document = leaf
        for _ in range(depth):
            document = [document]
        return document

    deep_one, deep_two = nest(1, 700), nest(2, 700)
    for rules in (CompareRules(), CompareRules(arrays={"/a": ""})):
        [difference] = compare_json({"a": [deep_one, deep_two]}, {"a": [deep_two, deep_one]}, rules)
        assert (difference.kind, difference.path) == (Kind.VALUE_CHANGED, "")
        assert compare_json({"a": [deep_one]}, {"a": [nest(1, 700)]}, rules) == []


def test_the_same_object_on_both_sides_has_no_differences():
    assert compare_json(PAGE, PAGE) == []
