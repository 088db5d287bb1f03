"""NoiseModel: Diffy's rule on synthetic traffic, suggestions, and storage."""
from __future__ import annotations

import json
import random
import tomllib

import pytest

from strangler_proxy.diff import (
    CompareRules,
    Comparison,
    Difference,
    FieldStats,
    Kind,
    NoiseModel,
    StoredDataError,
    compare_responses,
)


def page(rng: random.Random, price: str, stamp: int) -> dict:
    return {"results": [{"id": n, "price": price if n == 3 else "9.99",
                         "updated_at": f"2025-03-01T12:00:{stamp % 60:02d}.{stamp:06d}Z"} for n in range(5)]}


def shadow_traffic(json_response, requests: int = 200, planted_every: int = 3, seed: int = 7) -> tuple[NoiseModel, Comparison]:
    """Primary twice and candidate once per request; the candidate changes a price now and then."""
    rng = random.Random(seed)
    model = NoiseModel()
    planted = None
    for number in range(requests):
        # The primary stamps every answer with the time it was made: noise.
        first = json_response(page(rng, "12.50", rng.randrange(10**6)))
        again = json_response(page(rng, "12.50", rng.randrange(10**6)))
        wrong_price = number % planted_every == 0
        candidate = json_response(page(rng, "13.50" if wrong_price else "12.50", rng.randrange(10**6)))
        model.observe_noise(compare_responses(first, again))
        comparison = compare_responses(first, candidate)
        model.observe_candidate(comparison)
        if wrong_price:
            planted = comparison
    return model, planted


def test_a_timestamp_that_changes_on_every_primary_call_is_noise_and_a_planted_price_change_is_real(json_response):
    model, comparison = shadow_traffic(json_response)
    labels = dict(zip((d.path for d in comparison.differences), model.classify(comparison)))
    assert labels["/results/3/price"] == "real"
    assert {labels[f"/results/{n}/updated_at"] for n in range(5)} == {"noise"}
    assert model.reported_fields() == ["/results/*/price"]
    assert model.noisy_fields() == ["/results/*/updated_at"]


def test_suggested_rules_paste_into_the_route_file_and_remove_the_noise_only(json_response):
    model, comparison = shadow_traffic(json_response)
    lines = model.suggest_ignore_rules()
    assert lines[-1] == 'ignore = ["/results/*/updated_at"]'
    rules = CompareRules.from_mapping(tomllib.loads("\n".join(lines)))
    rng = random.Random(1)
    primary = json_response(page(rng, "12.50", 1))
    candidate = json_response(page(rng, "13.50", 2))
    assert [d.path for d in compare_responses(primary, candidate, rules).differences] == ["/results/3/price"]


def test_noisy_headers_and_status_are_suggested_as_comments():
    model = NoiseModel()
    noisy = Comparison([Difference(Kind.HEADER, "etag", "etag", "a", "b"), Difference(Kind.STATUS, "", "", 200, 503)])
    for _ in range(20):
        model.observe_noise(noisy)
        model.observe_candidate(noisy)
    assert model.suggest_ignore_rules() == [
        "# noisy headers; leave them out of `headers`: etag",
        "# the status code itself differs between two primary calls",
    ]
    assert "\n".join(model.suggest_ignore_rules()).strip() and tomllib.loads("\n".join(model.suggest_ignore_rules())) == {}


def counted(noise: tuple[int, int], candidate: tuple[int, int], **options) -> NoiseModel:
    """A model where /f differed in x of n comparisons of each sort."""
    model = NoiseModel(**options)
    differing = Comparison([Difference(Kind.VALUE_CHANGED, "/f", "/f", 1, 2)])
    for observe, (x, n) in ((model.observe_noise, noise), (model.observe_candidate, candidate)):
        for number in range(n):
            observe(differing if number < x else Comparison([]))
    return model


def test_the_proportion_test_decides_near_its_threshold():
    # p0 = 0.10, p1 = 0.20 over 100 each: z = 1.98, below 2.33.
    assert not counted((10, 100), (20, 100)).is_real("/f")
    # p1 = 0.25: z = 2.79.
    assert counted((10, 100), (25, 100)).is_real("/f")


def test_the_margin_must_be_exceeded_however_significant_the_excess():
    model = counted((0, 10000), (100, 10000), margin=0.01)  # p1 - p0 = 0.01, z = 10
    assert not model.is_real("/f")
    assert counted((0, 10000), (101, 10000), margin=0.01).is_real("/f")


def test_a_field_differing_as_often_against_the_candidate_as_between_primaries_is_noise():
    assert not counted((50, 100), (50, 100)).is_real("/f")
    assert not counted((100, 100), (100, 100)).is_real("/f")


def test_every_difference_is_real_until_noise_has_been_sampled():
    model = counted((0, 0), (1, 1))
    assert model.classify(Comparison([Difference(Kind.VALUE_CHANGED, "/f", "/f")])) == ["real"]
    assert model.noisy_fields() == []


def test_the_model_survives_a_round_trip_through_json():
    model = counted((10, 100), (25, 100), margin=0.02, z_threshold=3.0)
    copy = NoiseModel.from_dict(json.loads(json.dumps(model.to_dict())))
    assert copy.to_dict() == model.to_dict()
    assert copy.stats("/f") == FieldStats(noise=10, candidate=25)
    assert (copy.noise_rate("/f"), copy.candidate_rate("/f")) == (0.1, 0.25)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d.update(version=2), "version"),
        (lambda d: d.update(noise_samples=-1), "noise_samples"),
        (lambda d: d.update(margin="high"), "margin"),
        (lambda d: d.update(fields=[]), "fields"),
        (lambda d: d["fields"].update({"/f": 3}), "fields./f"),
        (lambda d: d["fields"]["/f"].update(candidate=1.5), "fields./f.candidate"),
        (lambda d: d["fields"]["/f"].update(noise=101), "fields./f.noise"),
    ],
)
def test_a_malformed_stored_model_is_refused_naming_the_field(mutate, field):
    data = counted((10, 100), (25, 100)).to_dict()
    mutate(data)
    with pytest.raises(StoredDataError) as caught:
        NoiseModel.from_dict(data)
    assert caught.value.field == field


def test_models_from_two_workers_merge_by_adding_counts():
    merged = counted((5, 50), (10, 50)).merge(counted((5, 50), (15, 50)))
    assert (merged.noise_samples, merged.candidate_samples) == (100, 100)
    assert merged.stats("/f") == FieldStats(10, 25)


def test_the_number_of_fields_is_bounded_and_uncounted_fields_stay_real():
    model = NoiseModel(max_fields=2)
    comparison = Comparison([Difference(Kind.VALUE_CHANGED, f"/{n}", f"/{n}") for n in range(5)])
    for _ in range(10):
        model.observe_noise(comparison)
        model.observe_candidate(comparison)
    assert len(model.fields()) == 2
    assert model.classify(comparison) == ["noise", "noise", "real", "real", "real"]


def test_classify_labels_every_difference_in_order():
    model = counted((100, 100), (100, 100))
    comparison = Comparison([Difference(Kind.VALUE_CHANGED, "/f", "/f"), Difference(Kind.EXTRA_KEY, "/g", "/g")])
    assert model.classify(comparison) == ["noise", "real"]
