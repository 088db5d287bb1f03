"""Pointers, normalised paths and wildcard patterns."""
from __future__ import annotations

import pytest

from strangler_proxy.diff.paths import compile_pattern, normalised_pointer, pointer


def test_a_pointer_escapes_tilde_before_slash():
    assert pointer(["a~/b", 3, ""]) == "/a~0~1b/3/"
    assert pointer([]) == ""


def test_the_normalised_pointer_writes_indices_as_stars_and_keeps_keys():
    assert normalised_pointer(["results", 3, "price"]) == "/results/*/price"
    assert normalised_pointer(["prices", "3"]) == "/prices/3"


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("/results/*/price", ["results", 3, "price"], True),
        ("/results/*/price", ["results", "eu", "price"], True),
        ("/results/*/price", ["results", 3, "tax", "price"], False),
        ("/**/price", ["price"], True),
        ("/**/price", ["results", 3, "category", "price"], True),
        ("/**/price", ["results", 3, "prices"], False),
        ("/meta/**", ["meta"], True),
        ("/meta/**", ["meta", "a", 1], True),
        ("/results/3", ["results", 3], True),
        ("/results/3", ["results", "3"], True),
        ("/results/3", ["results", 4], False),
        ("/a~1b/c~0d", ["a/b", "c~d"], True),
        ("", [], True),
        ("", ["a"], False),
        ("**", ["a", 1, "b"], True),
        ("/a/**/b/*", ["a", "x", "y", "b", 0], True),
        ("/a/**/b/*", ["a", "b"], False),
    ],
)
def test_patterns_match_whole_paths(pattern, path, expected):
    assert compile_pattern(pattern).matches(path) is expected


def test_a_prefix_match_covers_everything_under_the_pattern():
    assert compile_pattern("/meta").matches_prefix(["meta", "took"])
    assert compile_pattern("").matches_prefix(["anything"])
    assert not compile_pattern("/meta").matches_prefix(["metadata"])


@pytest.mark.parametrize("bad", ["results", "/res*", "/a/b**", "/a~", "/a~x", 7])
def test_malformed_patterns_are_refused(bad):
    with pytest.raises(ValueError):
        compile_pattern(bad)
