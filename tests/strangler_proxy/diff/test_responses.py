"""compare_responses: status, allow-listed headers, and bodies of each kind."""
from __future__ import annotations

from strangler_proxy.diff import CompareRules, Headers, Kind, ResponseSnapshot, compare_responses
from strangler_proxy.diff.text_diff import MAX_DIFF_CHARS, MAX_DIFF_LINES


def test_identical_responses_match(json_response):
    comparison = compare_responses(json_response({"a": 1}), json_response({"a": 1}))
    assert comparison.matched and comparison.differences == []


def test_a_different_status_is_reported(json_response):
    comparison = compare_responses(json_response({}, status=200), json_response({}, status=404))
    [difference] = comparison.differences
    assert (difference.kind, difference.primary, difference.candidate) == (Kind.STATUS, 200, 404)
    assert difference.field == "status" and not comparison.matched
    assert comparison.fields() == {"status"}


def test_only_allow_listed_headers_are_compared_whatever_their_case(json_response):
    primary = json_response({}, headers={"X-Total-Count": "10", "Date": "Mon", "Server": "gunicorn"})
    candidate = json_response({}, headers={"x-total-count": "11", "date": "Tue"})
    rules = CompareRules(headers=("X-TOTAL-COUNT", "content-type"))
    [difference] = compare_responses(primary, candidate, rules).differences
    assert (difference.kind, difference.path, difference.field) == (Kind.HEADER, "x-total-count", "header:x-total-count")
    assert (difference.primary, difference.candidate) == ("10", "11")


def test_a_header_present_on_one_side_only_is_a_difference(json_response):
    rules = CompareRules(headers=("location",))
    [difference] = compare_responses(json_response({}, headers={"Location": "/a"}), json_response({}), rules).differences
    assert (difference.primary, difference.candidate) == ("/a", None)


def test_the_content_type_header_is_compared_by_default(json_response, text_response):
    primary = json_response({})
    candidate = ResponseSnapshot(200, {"Content-Type": "application/json; charset=utf-8"}, primary.body)
    assert [d.kind for d in compare_responses(primary, candidate).differences] == [Kind.HEADER]


def test_json_bodies_are_compared_structurally_with_the_rules(json_response):
    rules = CompareRules(ignore=("/at",))
    comparison = compare_responses(json_response({"a": 1, "at": 1}), json_response({"at": 2, "a": 2}), rules)
    assert [(d.kind, d.path) for d in comparison.differences] == [(Kind.VALUE_CHANGED, "/a")]


def test_json_on_one_side_only_is_a_body_type_difference_at_the_root(json_response, text_response):
    comparison = compare_responses(json_response({"a": 1}), text_response("<h1>Server Error</h1>", 200, "text/html"))
    body_type = [d for d in comparison.differences if d.kind is Kind.BODY_TYPE]
    assert [(d.path, d.primary, d.candidate) for d in body_type] == [("", "json", "text")]
    assert "text/html" in body_type[0].detail


def test_a_json_content_type_with_a_broken_body_counts_as_not_json(json_response):
    broken = ResponseSnapshot(200, {"Content-Type": "application/json"}, b'{"a": 1')
    [difference] = compare_responses(json_response({"a": 1}), broken).differences
    assert (difference.kind, difference.primary, difference.candidate) == (Kind.BODY_TYPE, "json", "text")


def test_problem_json_counts_as_json():
    primary = ResponseSnapshot(400, {"Content-Type": "application/problem+json"}, b'{"title": "a"}')
    candidate = ResponseSnapshot(400, {"Content-Type": "application/problem+json"}, b'{"title": "b"}')
    [difference] = compare_responses(primary, candidate).differences
    assert (difference.kind, difference.path) == (Kind.VALUE_CHANGED, "/title")


def test_text_bodies_ignore_line_endings_and_trailing_whitespace(text_response):
    primary = text_response("line one  \r\nline two\r\n\r\n")
    candidate = text_response("line one\nline two\t\n")
    assert compare_responses(primary, candidate).matched


def test_text_bodies_that_differ_give_one_text_difference_with_a_unified_diff(text_response):
    primary = text_response("\n".join(f"line {n}" for n in range(100)))
    candidate = text_response("\n".join(f"line {n}" if n != 50 else "LINE FIFTY" for n in range(100)))
    [difference] = compare_responses(primary, candidate).differences
    assert (difference.kind, difference.path, difference.primary, difference.candidate) == (
        Kind.TEXT, "", "line 50", "LINE FIFTY")
    assert difference.detail.splitlines() == [
        "--- primary", "+++ candidate", "@@ -49,5 +49,5 @@",
        " line 48", " line 49", "-line 50", "+LINE FIFTY", " line 51", " line 52"]


def test_the_unified_diff_is_bounded(text_response):
    primary = text_response("\n".join(f"a{n}" * 100 for n in range(5000)))
    candidate = text_response("\n".join(f"b{n}" * 100 for n in range(5000)))
    [difference] = compare_responses(primary, candidate).differences
    lines = difference.detail.splitlines()
    assert len(lines) <= MAX_DIFF_LINES + 1 and len(difference.detail) <= MAX_DIFF_CHARS
    assert lines[-1].startswith("… (diff cut)")


def test_text_appended_at_the_end_is_shown(text_response):
    [difference] = compare_responses(text_response("a\nb"), text_response("a\nb\nc")).differences
    assert difference.detail.splitlines()[-1] == "+c"
    assert (difference.primary, difference.candidate) == ("", "c")


def test_binary_bodies_are_compared_by_bytes(text_response):
    primary = text_response(b"\xff\xd8\xff\x00", content_type="image/jpeg")
    candidate = text_response(b"\xff\xd8\xff\x01\x02", content_type="image/jpeg")
    [difference] = compare_responses(primary, candidate).differences
    assert (difference.kind, difference.detail) == (Kind.TEXT, "binary bodies differ")
    assert (difference.primary, difference.candidate) == ("4 bytes", "5 bytes")
    assert compare_responses(primary, primary).matched


def test_the_text_charset_comes_from_the_content_type(text_response):
    primary = text_response("café".encode("latin-1"), content_type="text/plain; charset=ISO-8859-1")
    candidate = text_response("cafe".encode("latin-1"), content_type="text/plain; charset=ISO-8859-1")
    [difference] = compare_responses(primary, candidate).differences
    assert (difference.primary, difference.candidate) == ("café", "cafe")


def test_ignoring_the_root_ignores_text_and_body_type_differences(json_response, text_response):
    rules = CompareRules(ignore=("",), headers=())
    assert compare_responses(text_response("a"), text_response("b"), rules).matched
    assert compare_responses(json_response({}), text_response("b"), rules).matched


def test_empty_bodies_with_a_json_content_type_are_equal():
    empty = ResponseSnapshot(204, {"Content-Type": "application/json"}, b"")
    assert compare_responses(empty, ResponseSnapshot(204, {"Content-Type": "application/json"}, b"")).matched


def test_snapshot_headers_are_case_insensitive_and_keep_repeated_values():
    headers = Headers([("Set-Cookie", "a=1"), ("set-cookie", "b=2"), ("Content-Type", "text/plain")])
    assert headers["SET-COOKIE"] == "a=1, b=2" and "content-TYPE" in headers
    assert set(headers) == {"set-cookie", "content-type"}
    snapshot = ResponseSnapshot(200, headers, b"x")
    assert snapshot.content_type == "text/plain"


def test_a_snapshot_can_be_built_from_a_plain_dict():
    snapshot = ResponseSnapshot.from_dict({"status": 201, "headers": {"Location": "/o/1"}, "body": "{}",
                                           "content_type": "application/json"})
    assert (snapshot.status, snapshot.headers["location"], snapshot.body) == (201, "/o/1", b"{}")


def test_a_comparison_survives_a_round_trip_through_a_dict(json_response):
    comparison = compare_responses(json_response({"a": [1, 2]}, status=200), json_response({"a": [2]}, status=500))
    assert type(comparison).from_dict(comparison.to_dict()) == comparison
    assert comparison.to_dict()["matched"] is False


def test_a_boolean_turned_number_is_found_in_response_bodies_whatever_their_encoding():
    for encoding in ("utf-8", "utf-16"):
        primary = ResponseSnapshot(200, {"Content-Type": "application/json"}, '{"a": {"ok": true}}'.encode(encoding))
        candidate = ResponseSnapshot(200, {"Content-Type": "application/json"}, '{"a": {"ok": 1}}'.encode(encoding))
        [difference] = compare_responses(primary, candidate).differences
        assert (difference.kind, difference.path) == (Kind.TYPE_CHANGED, "/a/ok"), encoding


def test_boolean_free_bodies_equal_but_for_key_order_match(json_response):
    primary = ResponseSnapshot(200, {"Content-Type": "application/json"}, b'{"a": [1, {"b": 2, "c": null}], "d": "x"}')
    candidate = ResponseSnapshot(200, {"Content-Type": "application/json"}, b'{"d":"x","a":[1,{"c":null,"b":2}]}')
    assert compare_responses(primary, candidate).matched
