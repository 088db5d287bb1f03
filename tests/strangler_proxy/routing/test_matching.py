"""Which route a request belongs to, and which wins when several claim it."""
from __future__ import annotations

import pytest

from strangler_proxy.routing.matching import Matcher, compile_pattern
from strangler_proxy.routing.model import Mode, RouteSpec, RouteState
from strangler_proxy.routing.paths import canonical_target


def route(route_id: str, *paths: str, methods: set[str] | None = None) -> RouteSpec:
    return RouteSpec(route_id, paths, frozenset(methods) if methods else None, "ctx", None,
                     RouteState(Mode.MONOLITH))


def winner(matcher: Matcher, method: str, path: str) -> str | None:
    match = matcher.match(method, canonical_target(path).segments)
    return match.route.id if match else None


def test_an_exact_pattern_matches_only_its_own_path() -> None:
    matcher = Matcher([route("list", "/api/v1/catalog/products/")])
    assert winner(matcher, "GET", "/api/v1/catalog/products/") == "list"
    assert winner(matcher, "GET", "/api/v1/catalog/products") is None
    assert winner(matcher, "GET", "/api/v1/catalog/products/1/") is None


def test_a_parameter_matches_one_non_empty_segment_and_is_returned() -> None:
    matcher = Matcher([route("detail", "/api/v1/orders/{id}/cancel/")])
    match = matcher.match("POST", canonical_target("/api/v1/orders/42/cancel/").segments)
    assert match is not None and match.params == {"id": "42"}
    assert winner(matcher, "POST", "/api/v1/orders/cancel/") is None


def test_an_int_parameter_matches_digits_only() -> None:
    matcher = Matcher([route("stock", "/stock/{id:int}/")])
    assert winner(matcher, "GET", "/stock/17/") == "stock"
    assert winner(matcher, "GET", "/stock/abc/") is None


def test_a_prefix_covers_the_path_itself_and_everything_below_but_not_siblings() -> None:
    matcher = Matcher([route("orders", "/api/v1/orders/**")])
    assert winner(matcher, "GET", "/api/v1/orders") == "orders"
    assert winner(matcher, "GET", "/api/v1/orders/") == "orders"
    assert winner(matcher, "GET", "/api/v1/orders/1/cancel/") == "orders"
    assert winner(matcher, "GET", "/api/v1/ordersx/") is None


def test_a_literal_beats_a_parameter_whatever_the_file_order() -> None:
    matcher = Matcher([route("by-id", "/products/{id}/"), route("featured", "/products/featured/")])
    assert winner(matcher, "GET", "/products/featured/") == "featured"
    assert winner(matcher, "GET", "/products/7/") == "by-id"


def test_an_int_parameter_beats_a_plain_parameter() -> None:
    matcher = Matcher([route("slug", "/p/{slug}/"), route("id", "/p/{id:int}/")])
    assert winner(matcher, "GET", "/p/12/") == "id"
    assert winner(matcher, "GET", "/p/shoes/") == "slug"


def test_the_longest_prefix_wins_and_an_exact_path_beats_a_prefix() -> None:
    matcher = Matcher([
        route("api", "/api/**"),
        route("catalog", "/api/v1/catalog/**"),
        route("catalog-root", "/api/v1/catalog/"),
    ])
    assert winner(matcher, "GET", "/api/v1/catalog/products/") == "catalog"
    assert winner(matcher, "GET", "/api/v1/catalog/") == "catalog-root"
    assert winner(matcher, "GET", "/api/v1/orders/") == "api"


def test_a_parameter_beats_a_prefix_at_the_same_depth() -> None:
    matcher = Matcher([route("all", "/products/**"), route("detail", "/products/{id}/")])
    assert winner(matcher, "GET", "/products/3/") == "detail"
    assert winner(matcher, "GET", "/products/3/reviews/") == "all"


def test_a_route_that_does_not_allow_the_method_yields_to_the_next_most_specific() -> None:
    matcher = Matcher([
        route("read", "/products/{id}/", methods={"GET", "HEAD"}),
        route("everything", "/products/**"),
    ])
    assert winner(matcher, "GET", "/products/3/") == "read"
    assert winner(matcher, "DELETE", "/products/3/") == "everything"


def test_a_method_no_route_allows_means_the_monolith() -> None:
    matcher = Matcher([route("read", "/products/", methods={"GET"})])
    assert winner(matcher, "POST", "/products/") is None


def test_a_catch_all_prefix_matches_every_path() -> None:
    matcher = Matcher([route("everything", "/**"), route("orders", "/orders/**")])
    assert winner(matcher, "GET", "/") == "everything"
    assert winner(matcher, "GET", "/anything/at/all") == "everything"
    assert winner(matcher, "GET", "/orders/1") == "orders"


def test_matching_uses_decoded_segments_so_encoded_literals_still_match() -> None:
    matcher = Matcher([route("list", "/products/")])
    assert winner(matcher, "GET", "/%70roducts/") == "list"


@pytest.mark.parametrize("bad", ["products/", "/a/**/b", "/a/{id", "/a/{1x}/", "/a/{id}/{id}/", "/a//b",
                                 "/a/../b", "/a/%2F/"])
def test_a_malformed_pattern_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        compile_pattern(bad)


def test_patterns_with_the_same_shape_say_so() -> None:
    assert compile_pattern("/a/{x}/").shape == compile_pattern("/a/{y}/").shape
    assert compile_pattern("/a/{x:int}/").shape != compile_pattern("/a/{x}/").shape
