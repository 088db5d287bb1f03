"""Results stores: every worker's batches add up in one place, bounded, readable as a report, resettable."""
from __future__ import annotations

import json
from dataclasses import replace
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from strangler_proxy.diff import Comparison, Difference, Kind
from strangler_proxy.shadow.results import ResultsBatch, Sample, summarise
from strangler_proxy.shadow.results.memory import MemoryResults
from strangler_proxy.shadow.results.model import MAX_SIGNATURES_PER_ROUTE, OVERFLOW, signature_of
from strangler_proxy.shadow.results.redis import RedisResults
from strangler_proxy.shadow.results.sqlite import SqliteResults

ROUTE = "catalog-read"


def comparison(*fields: str) -> Comparison:
    return Comparison([Difference(Kind.VALUE_CHANGED, f, f, 1, 2) for f in fields])


def sample(signature: str, number: int) -> Sample:
    return Sample(ROUTE, f"2025-03-01T12:00:{number:02d}.000Z", signature, {"method": "GET", "path": f"/p/{number}"},
                  {"status": 200}, {"status": 200}, [])


@pytest.fixture(params=["memory", "sqlite", "redis"])
def open_store(request, tmp_path: Path) -> Iterator[Callable[[], object]]:
    """Open a store; every call opens another handle on the same data (as another worker would)."""
    opened = []
    if request.param == "memory":
        shared = MemoryResults(keep_samples=2)
        factory = lambda: shared  # noqa: E731 - one process, one store
    elif request.param == "sqlite":
        factory = lambda: SqliteResults(tmp_path / "routes.results.sqlite3", keep_samples=2)  # noqa: E731
    else:
        url = request.getfixturevalue("redis_url")
        factory = lambda: RedisResults(url, prefix="test:results:", keep_samples=2)  # noqa: E731

    def open_one():
        store = factory()
        opened.append(store)
        return store

    yield open_one
    for store in opened:
        store.close()


def worker_batch() -> ResultsBatch:
    batch = ResultsBatch()
    for _ in range(8):
        batch.compared(ROUTE, comparison("/generated_at"))
        batch.noise_probe(ROUTE, comparison("/generated_at"))
    for _ in range(4):
        batch.compared(ROUTE, comparison("/generated_at", "/results/*/price"))
    batch.compared(ROUTE, comparison())
    batch.count(ROUTE, "errors.timeout")
    batch.count(ROUTE, "skipped.unsafe_method", 2)
    batch.count(ROUTE, "dropped.overload", 3)
    batch.latency_bucket(ROUTE, "monolith", 40)
    batch.latency_bucket(ROUTE, "extracted", 50)
    return batch


def test_two_workers_batches_add_up_and_are_classified_when_read(open_store) -> None:
    first, second = open_store(), open_store()
    first.apply(worker_batch())
    second.apply(worker_batch())
    results = summarise(first.route_data(ROUTE))
    assert (results.compared, results.matched, results.mismatched, results.noise) == (26, 2, 8, 16)
    assert results.noise_probes == 16
    assert (results.errors, results.skipped, results.dropped) == ({"timeout": 2}, {"unsafe_method": 4},
                                                                   {"overload": 6})
    assert {f.field: f.label for f in results.fields} == {"/results/*/price": "real", "/generated_at": "noise"}
    assert results.latency["monolith"]["count"] == 2 and results.latency["extracted"]["p50"] is not None
    assert second.routes() == [ROUTE]


def test_signatures_beyond_the_cap_are_counted_as_overflow_which_is_always_a_mismatch(open_store) -> None:
    store = open_store()
    batch = ResultsBatch()
    for number in range(MAX_SIGNATURES_PER_ROUTE + 5):
        batch.compared(ROUTE, comparison(f"/key{number}"))
    store.apply(batch)
    data = store.route_data(ROUTE)
    assert len(data.signatures) == MAX_SIGNATURES_PER_ROUTE + 1
    assert data.signatures[json.dumps([OVERFLOW], ensure_ascii=False)] == 5
    assert summarise(data).mismatched == MAX_SIGNATURES_PER_ROUTE + 5


def test_the_newest_examples_of_each_set_of_fields_are_kept(open_store) -> None:
    store = open_store()
    price, sku = signature_of(comparison("/price")), signature_of(comparison("/sku"))
    batch = ResultsBatch()
    batch.compared(ROUTE, comparison("/price"))
    batch.compared(ROUTE, comparison("/sku"))
    batch.samples = [sample(price, n) for n in range(3)] + [sample(sku, 3)]
    store.apply(batch)
    later = ResultsBatch()
    later.compared(ROUTE, comparison("/price"))
    later.samples = [sample(price, 5)]
    store.apply(later)
    kept = store.samples(ROUTE, limit=10)
    assert [s.request["path"] for s in kept] == ["/p/5", "/p/3", "/p/2"]  # two per set of fields
    assert store.samples(ROUTE, limit=1)[0].request["path"] == "/p/5"


def test_an_example_of_a_signature_that_is_not_counted_is_not_kept(open_store) -> None:
    store = open_store()
    batch = ResultsBatch()
    batch.samples = [sample(signature_of(comparison("/price")), 1)]
    store.apply(batch)
    assert store.samples(ROUTE) == []


def test_reset_forgets_one_route_only(open_store) -> None:
    store = open_store()
    batch = worker_batch()
    batch.compared("other", comparison())
    store.apply(batch)
    store.reset(ROUTE)
    assert summarise(store.route_data(ROUTE)).compared == 0
    assert store.routes() == ["other"]
    assert summarise(store.route_data("other")).matched == 1


def test_an_empty_route_reads_as_zeros(open_store) -> None:
    results = summarise(open_store().route_data("nothing-yet"))
    assert (results.compared, results.mismatch_rate, results.fields) == (0, 0.0, [])
    assert results.latency["monolith"] == {"count": 0, "p50": None, "p95": None}


def test_a_results_file_that_cannot_be_opened_is_a_clear_error(tmp_path: Path) -> None:
    from strangler_proxy.shadow.errors import ResultsUnavailable

    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ResultsUnavailable, match="cannot open the results store"):
        SqliteResults(blocker / "results.sqlite3")


def test_an_unreachable_redis_is_a_clear_error_without_the_password() -> None:
    from strangler_proxy.shadow.errors import ResultsUnavailable

    store = RedisResults("redis://user:s3cret@127.0.0.1:1/0")
    with pytest.raises(ResultsUnavailable) as caught:
        store.route_data(ROUTE)
    assert "s3cret" not in str(caught.value) and "redis://***@127.0.0.1:1/0" in str(caught.value)


def test_each_source_is_kept_apart_and_a_route_reads_them_added_together(open_store) -> None:
    store = open_store()
    batch = worker_batch()  # the live shadow: 13 compared, 4 of them real mismatches
    for _ in range(3):
        batch.compared(ROUTE, comparison("/results/*/price"), source="replay")
    batch.compared(ROUTE, comparison(), source="replay")
    batch.count(ROUTE, "errors.extracted", source="replay")
    batch.compared(ROUTE, comparison("/generated_at"), source="reverse")
    batch.noise_probe(ROUTE, comparison("/generated_at"), source="reverse")
    live = signature_of(comparison("/generated_at", "/results/*/price"))
    price = signature_of(comparison("/results/*/price"))
    batch.samples = [sample(live, 1), replace(sample(price, 2), source="replay"),
                     replace(sample(live, 3), source="replay")]  # not a signature the replay counted: not kept
    store.apply(batch)
    assert store.routes() == [ROUTE]
    data = store.route_data(ROUTE)
    assert list(data.sources) == ["shadow", "reverse", "replay"]
    results = summarise(data)
    assert (results.compared, results.mismatched, results.noise, results.matched) == (18, 7, 9, 2)
    assert results.noise_probes == 9 and results.error_total == 2
    by_source = {name: (s.compared, s.matched, s.mismatched, s.noise, s.errors) for name, s in results.sources.items()}
    assert by_source == {"shadow": (13, 1, 4, 8, 1), "reverse": (1, 0, 0, 1, 0), "replay": (4, 1, 3, 0, 1)}
    assert results.sources["reverse"].direction == "monolith differs from extracted"
    assert [s["source"] for s in results.to_dict()["sources"]] == ["shadow", "reverse", "replay"]
    only_replay = store.route_data(ROUTE, source="replay")
    assert only_replay.route == ROUTE and sum(only_replay.signatures.values()) == 4
    assert {(s.request["path"], s.source) for s in store.samples(ROUTE)} == {("/p/1", "shadow"), ("/p/2", "replay")}
    store.reset(ROUTE)
    assert store.routes() == [] and store.samples(ROUTE) == []
    assert summarise(store.route_data(ROUTE)).sources == {}


def test_a_sample_kept_before_sources_existed_reads_as_the_live_shadows() -> None:
    stored = sample(signature_of(comparison("/price")), 1).to_dict()
    del stored["source"], stored["direction"]
    old = Sample.from_dict(stored)
    assert old.source == "shadow" and not old.reverse and old.monolith == old.primary
    flipped = replace(old, source="reverse")
    assert flipped.sides == ("extracted", "monolith") and flipped.monolith is flipped.candidate
