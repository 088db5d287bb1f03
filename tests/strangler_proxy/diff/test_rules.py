"""CompareRules: reading them from the route file, and what each rule removes."""
from __future__ import annotations

import tomllib

import pytest

from strangler_proxy.diff import CompareRules, Kind, RulesError, Tolerance, compare_json

ROUTE_FILE = """
[[routes]]
id = "catalog-products-read"

[routes.compare]
headers = ["Content-Type", "X-Total-Count"]
ignore = ["/results/*/updated_at", "/**/request_id", "/debug/**"]
arrays = { "/results" = "id", "/results/*/tags" = "" }
tolerance = { absolute = 0.001 }
timestamps = "instant"
uuids = { "/results/*/uuid" = "type" }

[routes.compare.tolerances]
"/results/*/price" = { absolute = 0.01 }
"""


def rules_from(text: str) -> CompareRules:
    return CompareRules.from_mapping(tomllib.loads(text)["routes"][0]["compare"])


def test_rules_read_from_the_route_file_hold_every_setting():
    rules = rules_from(ROUTE_FILE)
    assert rules.headers == ("content-type", "x-total-count")
    assert rules.ignore == ("/results/*/updated_at", "/**/request_id", "/debug/**")
    assert rules.arrays == {"/results": "id", "/results/*/tags": ""}
    assert rules.tolerance == Tolerance(absolute=0.001)
    assert rules.tolerances == {"/results/*/price": Tolerance(absolute=0.01)}
    assert rules.timestamps == {"**": "instant"}
    assert rules.uuids == {"/results/*/uuid": "type"}


def test_rules_written_back_read_the_same():
    rules = rules_from(ROUTE_FILE)
    assert CompareRules.from_mapping(rules.to_mapping()) == rules
    assert CompareRules().to_mapping() == {}


def test_no_compare_table_means_default_rules():
    assert CompareRules.from_mapping(None) == CompareRules()
    assert CompareRules.from_mapping({}).headers == ("content-type",)


@pytest.mark.parametrize(
    ("table", "field", "words"),
    [
        ({"ignored": []}, "compare.ignored", "unknown setting"),
        ({"ignore": "/a"}, "compare.ignore", "list of path patterns"),
        ({"ignore": ["/a", "results"]}, "compare.ignore[1]", "starting with '/'"),
        ({"ignore": ["/res*"]}, "compare.ignore[0]", "whole segment"),
        ({"ignore": ["/a~2"]}, "compare.ignore[0]", "followed by 0 or 1"),
        ({"headers": ["content type"]}, "compare.headers[0]", "header name"),
        ({"arrays": ["/results"]}, "compare.arrays", "table"),
        ({"arrays": {"/results": 3}}, 'compare.arrays."/results"', "key field"),
        ({"arrays": {"results": "id"}}, 'compare.arrays."results"', "starting with '/'"),
        ({"tolerance": 0.1}, "compare.tolerance", "table"),
        ({"tolerance": {}}, "compare.tolerance", "absolute and/or relative"),
        ({"tolerance": {"absolute": -1}}, "compare.tolerance.absolute", ">= 0"),
        ({"tolerance": {"relative": "1%"}}, "compare.tolerance.relative", ">= 0"),
        ({"tolerance": {"absolute": True}}, "compare.tolerance.absolute", ">= 0"),
        ({"tolerance": {"percent": 1}}, "compare.tolerance.percent", "unknown setting"),
        ({"tolerances": {"/price": {"absolute": float("inf")}}}, 'compare.tolerances."/price".absolute', ">= 0"),
        ({"timestamps": "exact"}, "compare.timestamps", "instant, type, off"),
        ({"timestamps": {"/at": "exact"}}, 'compare.timestamps."/at"', "instant, type, off"),
        ({"uuids": 1}, "compare.uuids", "mode"),
    ],
)
def test_a_bad_rule_is_refused_with_an_error_naming_its_field(table, field, words):
    with pytest.raises(RulesError) as caught:
        CompareRules.from_mapping(table)
    assert caught.value.field == field
    assert words in str(caught.value)
    assert str(caught.value).startswith(f"field '{field}': ")


def test_the_error_names_the_route_file_location_it_was_given():
    with pytest.raises(RulesError, match=r"^field 'routes\[2\]\.compare\.ignore\[0\]': "):
        CompareRules.from_mapping({"ignore": [3]}, where="routes[2].compare")


def test_a_compare_setting_that_is_not_a_table_is_refused():
    with pytest.raises(RulesError, match="must be a table"):
        CompareRules.from_mapping(["ignore"])


def test_rules_built_directly_are_validated_too():
    with pytest.raises(RulesError, match="CompareRules.ignore"):
        CompareRules(ignore=("price",))
    with pytest.raises(RulesError, match="Tolerance.absolute"):
        Tolerance(absolute=-0.5)


# --- ignore -------------------------------------------------------------------------------

DOC = {"request_id": "a", "meta": {"request_id": "b", "took": 3},
       "results": [{"id": 1, "updated_at": "x", "price": 1}, {"id": 2, "updated_at": "y", "price": 2}]}
OTHER = {"request_id": "A", "meta": {"request_id": "B", "took": 4},
         "results": [{"id": 1, "updated_at": "X", "price": 1}, {"id": 2, "updated_at": "Y", "price": 3}]}


def paths(rules: CompareRules, a=DOC, b=OTHER) -> set[str]:
    return {d.path for d in compare_json(a, b, rules)}


def test_an_exact_path_is_ignored_and_nothing_else():
    assert paths(CompareRules(ignore=("/meta/took",))) == {
        "/request_id", "/meta/request_id", "/results/0/updated_at", "/results/1/updated_at", "/results/1/price"}


def test_a_star_stands_for_one_segment_key_or_index():
    assert paths(CompareRules(ignore=("/results/*/updated_at", "/*/request_id"))) == {
        "/request_id", "/meta/took", "/results/1/price"}


def test_a_double_star_stands_for_any_depth_including_none():
    assert paths(CompareRules(ignore=("/**/request_id",))) == {
        "/meta/took", "/results/0/updated_at", "/results/1/updated_at", "/results/1/price"}


def test_ignoring_a_path_ignores_everything_under_it():
    assert paths(CompareRules(ignore=("/results",))) == {"/request_id", "/meta/request_id", "/meta/took"}
    assert paths(CompareRules(ignore=("/meta/**",))) == paths(CompareRules(ignore=("/meta",)))


def test_an_index_in_a_pattern_names_that_element_only():
    assert paths(CompareRules(ignore=("/results/0/updated_at",))) >= {"/results/1/updated_at"}
    assert "/results/0/updated_at" not in paths(CompareRules(ignore=("/results/0/updated_at",)))


def test_ignoring_the_root_ignores_the_whole_body():
    assert paths(CompareRules(ignore=("",))) == set()
    assert paths(CompareRules(ignore=("**",))) == set()


def test_ignored_keys_may_be_missing_or_extra():
    assert compare_json({"a": 1, "t": 1}, {"a": 1, "u": 2}, CompareRules(ignore=("/t", "/u"))) == []


# --- arrays as sets keyed by a field ------------------------------------------------------

KEYED = CompareRules(arrays={"/results": "id"})


def test_a_keyed_array_in_another_order_has_no_differences():
    assert compare_json(DOC, {**DOC, "results": DOC["results"][::-1]}, KEYED) == []


def test_a_keyed_array_compares_elements_with_the_same_key():
    candidate = {**DOC, "results": [{"id": 2, "updated_at": "y", "price": 5}, DOC["results"][0]]}
    [difference] = compare_json(DOC, candidate, KEYED)
    assert (difference.kind, difference.path, difference.candidate) == (Kind.VALUE_CHANGED, "/results/1/price", 5)


def test_a_keyed_array_reports_missing_and_extra_elements_at_their_own_index():
    candidate = {**DOC, "results": [DOC["results"][1], {"id": 3}, {"id": 4}]}
    assert {(d.kind, d.path) for d in compare_json(DOC, candidate, KEYED)} == {
        (Kind.MISSING_KEY, "/results/0"), (Kind.EXTRA_KEY, "/results/1"), (Kind.EXTRA_KEY, "/results/2")}


def test_a_keyed_array_tells_a_true_key_from_a_1_key():
    rules = CompareRules(arrays={"/r": "id"})
    reordered = compare_json({"r": [{"id": True}, {"id": 2}]}, {"r": [{"id": 2}, {"id": 1}]}, rules)
    assert {(d.kind, d.path) for d in reordered} == {(Kind.MISSING_KEY, "/r/0"), (Kind.EXTRA_KEY, "/r/1")}
    # Equal in Python's eyes, so compared in place: the key itself is the difference.
    [in_place] = compare_json({"r": [{"id": True}]}, {"r": [{"id": 1}]}, rules)
    assert (in_place.kind, in_place.path) == (Kind.TYPE_CHANGED, "/r/0/id")


def test_a_keyed_array_falls_back_to_order_when_keys_are_missing_or_repeated():
    rules = CompareRules(arrays={"/r": "id"})
    [difference] = compare_json({"r": [{"id": 1}, {"id": 1}]}, {"r": [{"id": 1}, {"id": 1}, {"id": 1}]}, rules)
    assert difference.kind is Kind.ARRAY_LENGTH
    [difference] = compare_json({"r": [{"x": 1}]}, {"r": [{"x": 2}]}, rules)
    assert difference.path == "/r/0/x"


def test_an_empty_key_compares_whole_elements_as_a_multiset():
    rules = CompareRules(arrays={"/tags": ""})
    assert compare_json({"tags": ["a", "b", "b"]}, {"tags": ["b", "a", "b"]}, rules) == []
    assert {(d.kind, d.path) for d in compare_json({"tags": ["a", "b", "b"]}, {"tags": ["b", "c"]}, rules)} == {
        (Kind.MISSING_KEY, "/tags/0"), (Kind.MISSING_KEY, "/tags/2"), (Kind.EXTRA_KEY, "/tags/1")}


def test_key_rules_use_patterns():
    rules = CompareRules(arrays={"/orders/*/lines": "sku"})
    a = {"orders": [{"lines": [{"sku": "A"}, {"sku": "B"}]}]}
    b = {"orders": [{"lines": [{"sku": "B"}, {"sku": "A"}]}]}
    assert compare_json(a, b, rules) == []


# --- numeric tolerance ---------------------------------------------------------------------

def test_absolute_tolerance_is_inclusive_at_its_boundary():
    rules = CompareRules(tolerance=Tolerance(absolute=0.01))
    assert compare_json({"x": 1.0}, {"x": 1.01}, rules) == []
    assert compare_json({"x": 1.0}, {"x": 0.99}, rules) == []
    assert len(compare_json({"x": 1.0}, {"x": 1.011}, rules)) == 1


def test_relative_tolerance_scales_with_the_larger_magnitude():
    rules = CompareRules(tolerance=Tolerance(relative=0.01))
    assert compare_json({"x": 100}, {"x": 101}, rules) == []
    assert compare_json({"x": 101}, {"x": 100}, rules) == []
    assert len(compare_json({"x": 100}, {"x": 101.02}, rules)) == 1


def test_either_tolerance_is_enough():
    rules = CompareRules(tolerance=Tolerance(absolute=0.5, relative=0.01))
    assert compare_json({"x": 0.0}, {"x": 0.5}, rules) == []  # absolute
    assert compare_json({"x": 1000}, {"x": 1010}, rules) == []  # relative
    assert len(compare_json({"x": 10}, {"x": 10.6}, rules)) == 1


def test_tolerance_applies_to_decimal_strings():
    rules = CompareRules(tolerance=Tolerance(absolute=0.01))
    assert compare_json({"price": "12.50"}, {"price": "12.51"}, rules) == []
    assert compare_json({"price": "12.50"}, {"price": "12.5"}, rules) == []
    assert len(compare_json({"price": "12.50"}, {"price": "12.52"}, rules)) == 1
    assert len(compare_json({"price": "12.50"}, {"price": "12.50 EUR"}, rules)) == 1


def test_tolerance_never_hides_a_type_change():
    rules = CompareRules(tolerance=Tolerance(absolute=1))
    [difference] = compare_json({"price": "12.50"}, {"price": 12.5}, rules)
    assert difference.kind is Kind.TYPE_CHANGED
    [difference] = compare_json({"ok": True}, {"ok": False}, rules)
    assert difference.kind is Kind.VALUE_CHANGED


def test_a_path_tolerance_wins_over_the_global_one_and_stays_on_its_path():
    rules = CompareRules(tolerance=Tolerance(absolute=0.001), tolerances={"/*/price": Tolerance(absolute=0.1)})
    a = {"p": {"price": 1.0, "weight": 1.0}}
    b = {"p": {"price": 1.1, "weight": 1.1}}
    assert [d.path for d in compare_json(a, b, rules)] == ["/p/weight"]


# --- timestamps and UUIDs ------------------------------------------------------------------

def test_timestamps_as_instants_compare_across_offsets_and_precision():
    rules = CompareRules(timestamps={"**": "instant"})
    assert compare_json({"at": "2025-03-01T12:00:00Z"}, {"at": "2025-03-01T13:00:00+01:00"}, rules) == []
    assert compare_json({"at": "2025-03-01T12:00:00.000Z"}, {"at": "2025-03-01T12:00:00+00:00"}, rules) == []
    assert len(compare_json({"at": "2025-03-01T12:00:00Z"}, {"at": "2025-03-01T12:00:01Z"}, rules)) == 1


def test_a_time_without_offset_is_not_the_same_instant_as_one_with():
    rules = CompareRules(timestamps="instant")
    assert len(compare_json({"at": "2025-03-01T12:00:00"}, {"at": "2025-03-01T12:00:00Z"}, rules)) == 1


def test_timestamps_by_type_ignore_the_value_but_keep_the_type():
    rules = CompareRules(timestamps={"/at": "type"})
    assert compare_json({"at": "2025-03-01T12:00:00Z"}, {"at": "1999-12-31T23:59:59.5+02:00"}, rules) == []
    assert len(compare_json({"at": "2025-03-01T12:00:00Z"}, {"at": "yesterday"}, rules)) == 1
    [difference] = compare_json({"at": "2025-03-01T12:00:00Z"}, {"at": None}, rules)
    assert difference.kind is Kind.TYPE_CHANGED


def test_timestamp_rules_apply_to_their_paths_only_and_off_opts_out():
    rules = CompareRules(timestamps={"/keep": "off", "**": "type"})
    a = {"keep": "2025-03-01T12:00:00Z", "other": "2025-03-01T12:00:00Z"}
    b = {"keep": "2025-03-02T12:00:00Z", "other": "2025-03-02T12:00:00Z"}
    assert [d.path for d in compare_json(a, b, rules)] == ["/keep"]


def test_uuids_compare_without_letter_case_or_by_type():
    upper = "3F2504E0-4F89-41D3-9A0C-0305E82C3301"
    canonical = CompareRules(uuids="canonical")
    assert compare_json({"u": upper}, {"u": upper.lower()}, canonical) == []
    assert len(compare_json({"u": upper}, {"u": "9b2c1b1e-0b7a-4c3e-8f6f-8d0f7f1f2a3b"}, canonical)) == 1
    by_type = CompareRules(uuids="type")
    assert compare_json({"u": upper}, {"u": "9b2c1b1e-0b7a-4c3e-8f6f-8d0f7f1f2a3b"}, by_type) == []
    assert len(compare_json({"u": upper}, {"u": "not-a-uuid"}, by_type)) == 1


def test_the_first_matching_pattern_of_a_setting_wins():
    rules = CompareRules(uuids={"/a": "canonical", "/*": "type"})
    a = {"a": "3f2504e0-4f89-41d3-9a0c-0305e82c3301", "b": "3f2504e0-4f89-41d3-9a0c-0305e82c3301"}
    b = {"a": "9b2c1b1e-0b7a-4c3e-8f6f-8d0f7f1f2a3b", "b": "9b2c1b1e-0b7a-4c3e-8f6f-8d0f7f1f2a3b"}
    assert [d.path for d in compare_json(a, b, rules)] == ["/a"]
