"""The engine finds what DeepDiff finds, translated to (kind, path) (bench/diff/deepdiff_map.py)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bench.diff.corpus import build_corpus
from bench.diff.deepdiff_map import deepdiff_findings
from strangler_proxy.diff import CompareRules, compare_json

# Integers only: DeepDiff's ignore_order tells 1 from 1.0, the engine does not (one JSON number type).
keys = st.sampled_from(["id", "a", "b", "c/d", "e~"])
scalars = st.none() | st.booleans() | st.integers(-2, 2) | st.sampled_from(["", "a", "b"])
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20,
)


def ours(a, b, rules=CompareRules()):
    return {(d.kind.value, d.path) for d in compare_json(a, b, rules)}


@settings(deadline=None, max_examples=300)
@given(documents, documents)
def test_random_documents_give_the_same_findings_as_deepdiff(a, b):
    assert ours(a, b) == deepdiff_findings(a, b)


def test_the_shop_corpus_gives_the_same_findings_as_deepdiff():
    for pair in build_corpus(pairs=8, seed=5, planted_share=1.0):
        assert ours(pair.primary, pair.candidate) == deepdiff_findings(pair.primary, pair.candidate), pair.name


def test_ignore_rules_give_the_same_findings_as_deepdiff_excluding_those_paths():
    rules = CompareRules(ignore=("/request_id", "/generated_at", "/results/*/updated_at"))
    excluded = [r"^root\['(request_id|generated_at)'\]$", r"^root\['results'\]\[\d+\]\['updated_at'\]$"]
    for pair in build_corpus(pairs=8, seed=6, planted_share=1.0):
        assert ours(pair.primary, pair.candidate, rules) == deepdiff_findings(
            pair.primary, pair.candidate, exclude_regex_paths=excluded), pair.name
