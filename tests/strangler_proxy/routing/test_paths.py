"""One canonical path or a 400: the hostile-path corpus and the rules that hold for every path."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strangler_proxy.errors import BadPath
from strangler_proxy.routing.paths import canonical_target

# Every entry must be refused: each could make a backend see a path the table did not choose.
HOSTILE_PATHS = [
    "/api/v1/catalog/products/../../orders/",
    "/api/v1/catalog/products/..",
    "/api/v1/catalog/products/./1/",
    "/api/v1/catalog/products/%2e%2e/orders/",
    "/api/v1/catalog/products/%2E%2E/orders/",
    "/api/v1/catalog/products/.%2e/orders/",
    "/api/v1/catalog/products/%2e./orders/",
    "/api/v1/catalog/products/%2e/1/",
    "/api/v1/catalog/products/..;/orders/",
    "/api/v1/catalog/products/..;jsessionid=1/orders/",
    "/api/v1/catalog/products%2F..%2F..%2Forders/",
    "/api/v1/catalog/products%2forders/",
    "/api/v1/catalog/products/%5C..%5Corders/",
    "/api/v1/catalog/products/%5corders/",
    "/api/v1/catalog/products/\\..\\orders/",
    "/api/v1/catalog//products/",
    "//api/v1/catalog/products/",
    "/api/v1/catalog/products//",
    "/api/v1/catalog/products/%00/",
    "/api/v1/catalog/products/1%00.json",
    "/api/v1/catalog/products/%0a/",
    "/api/v1/catalog/products/%7f/",
    "/api/v1/catalog/products/%/",
    "/api/v1/catalog/products/%zz/",
    "/api/v1/catalog/products/%2/",
    "/api/v1/catalog/products/%c3%28/",
    "/api/v1/catalog/products/%ff/",
    "/api/v1/catalog/products/%252e%252e/orders/",
    "/api/v1/catalog/products/%252F/",
    "/api/v1/catalog/products/1/#fragment",
    "api/v1/catalog/products/",
    "http://evil.test/api/v1/orders/",
    "*",
    "/api/v1/catalog/products/\u00e9/",
    "/api/v1/catalog/products/?q=\x00",
]


@pytest.mark.parametrize("raw", HOSTILE_PATHS)
def test_a_hostile_path_is_refused_with_bad_path(raw: str) -> None:
    with pytest.raises(BadPath):
        canonical_target(raw)


def test_a_plain_path_is_kept_as_it_is() -> None:
    target = canonical_target("/api/v1/catalog/products/12/?page=2&q=a%20b")
    assert target.path == "/api/v1/catalog/products/12/"
    assert target.segments == ("api", "v1", "catalog", "products", "12", "")
    assert target.query == "page=2&q=a%20b"
    assert target.path_qs == "/api/v1/catalog/products/12/?page=2&q=a%20b"


def test_needless_percent_encoding_is_forwarded_in_one_canonical_form() -> None:
    target = canonical_target("/api/v1/catalog/%70roducts/caf%c3%a9%20x/")
    assert target.segments == ("api", "v1", "catalog", "products", "caf\u00e9 x", "")
    assert target.path == "/api/v1/catalog/products/caf%C3%A9%20x/"


def test_the_root_path_is_one_empty_segment() -> None:
    assert canonical_target("/").segments == ("",)


_segment = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12)


@given(st.lists(_segment, min_size=1, max_size=6))
def test_a_canonical_path_is_a_fixed_point(segments: list[str]) -> None:
    """Whatever is accepted canonicalises to a path that canonicalises to itself."""
    from urllib.parse import quote

    raw = "/" + "/".join(quote(s, safe="") for s in segments)
    try:
        target = canonical_target(raw)
    except BadPath:
        return
    again = canonical_target(target.path)
    assert again.path == target.path
    assert again.segments == target.segments
    assert all(s not in (".", "..") and "/" not in s and "\\" not in s and "\x00" not in s
               for s in target.segments)


@given(st.text(max_size=40))
def test_any_raw_target_is_either_refused_or_free_of_ambiguity(raw: str) -> None:
    try:
        target = canonical_target("/" + raw)
    except BadPath:
        return
    assert "//" not in target.path
    for segment in target.segments:
        assert segment.partition(";")[0] not in (".", "..")
        assert "/" not in segment and "\\" not in segment
        assert not any(ord(c) < 0x20 or ord(c) == 0x7F for c in segment)
