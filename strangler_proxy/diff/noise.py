"""Tell real differences from noise, per route, the way Diffy does.

The proxy sometimes sends a request to the primary twice. Comparing those two answers
shows what differs with no candidate involved (timestamps, generated ids): that is noise.
Per field (`Difference.field`: the normalised path, `header:<name>` or `status`) the model
counts in how many comparisons it differed: x0 of n0 primary-vs-primary comparisons and
x1 of n1 primary-vs-candidate ones. With p0 = x0/n0 and p1 = x1/n1, a field is **real** when

    p1 - p0 > margin                                    (the excess is large enough to matter)
    and  z = (p1 - p0) / sqrt(p(1-p)(1/n0 + 1/n1)) >= z_threshold,   p = (x0+x1)/(n0+n1)

(a one-sided two-proportion z-test: with the default 2.33, an excess this large arises by
chance less than 1 % of the time). Otherwise the field is **noise**. Nothing is called noise
without counts: before any noise sample (n0 = 0) every field is real, and so is a field the
model never counted (new, or beyond `max_fields`). Classify a comparison after observing it,
so its own differences are counted.
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from strangler_proxy.diff.errors import StoredDataError
from strangler_proxy.diff.model import Comparison

__all__ = ["FieldStats", "Label", "NoiseModel"]

Label = Literal["real", "noise"]
_VERSION = 1


@dataclass(frozen=True, slots=True)
class FieldStats:
    """In how many comparisons of each sort a field differed."""

    noise: int
    candidate: int


class NoiseModel:
    """Field statistics for one route: an accumulator, serialisable with to_dict/from_dict."""

    def __init__(self, *, margin: float = 0.01, z_threshold: float = 2.33, max_fields: int = 5000) -> None:
        _check_number(margin, "margin", upper=1.0)
        _check_number(z_threshold, "z_threshold")
        if type(max_fields) is not int or max_fields < 1:
            raise StoredDataError("max_fields", f"must be a whole number >= 1, got {max_fields!r}")
        self.margin = float(margin)
        self.z_threshold = float(z_threshold)
        self.max_fields = max_fields
        self.noise_samples = 0
        self.candidate_samples = 0
        self._counts: dict[str, list[int]] = {}  # field -> [noise, candidate]

    def observe_noise(self, comparison: Comparison) -> None:
        """Count a comparison of the primary with itself (the same request sent twice)."""
        self.noise_samples += 1
        self._count(comparison, 0)

    def observe_candidate(self, comparison: Comparison) -> None:
        """Count a comparison of the primary with the candidate."""
        self.candidate_samples += 1
        self._count(comparison, 1)

    def _count(self, comparison: Comparison, side: int) -> None:
        counts = self._counts
        seen: set[str] = set()
        for difference in comparison.differences:
            name = difference.field
            if name in seen:
                continue
            seen.add(name)
            pair = counts.get(name)
            if pair is None:
                # Dynamic keys (ids as object keys) must not grow the model without bound;
                # an uncounted field is never called noise.
                if len(counts) >= self.max_fields:
                    continue
                pair = counts[name] = [0, 0]
            pair[side] += 1

    def stats(self, field: str) -> FieldStats:
        """Return the counts of one field."""
        noise, candidate = self._counts.get(field, (0, 0))
        return FieldStats(noise, candidate)

    def fields(self) -> dict[str, FieldStats]:
        """Return the counts of every field seen."""
        return {name: FieldStats(*pair) for name, pair in self._counts.items()}

    def noise_rate(self, field: str) -> float:
        """Return p0: the share of primary-vs-primary comparisons where the field differed."""
        return self._counts.get(field, (0, 0))[0] / self.noise_samples if self.noise_samples else 0.0

    def candidate_rate(self, field: str) -> float:
        """Return p1: the share of primary-vs-candidate comparisons where the field differed."""
        return self._counts.get(field, (0, 0))[1] / self.candidate_samples if self.candidate_samples else 0.0

    def is_real(self, field: str) -> bool:
        """Return True when the field's candidate rate clearly exceeds its noise rate (see module doc)."""
        n0, n1 = self.noise_samples, self.candidate_samples
        counts = self._counts.get(field)
        if n0 == 0 or counts is None:
            return True
        if n1 == 0:
            return False
        x0, x1 = counts
        p0, p1 = x0 / n0, x1 / n1
        if p1 - p0 <= self.margin:
            return False
        pooled = (x0 + x1) / (n0 + n1)
        spread = math.sqrt(pooled * (1 - pooled) * (1 / n0 + 1 / n1))
        return spread > 0 and (p1 - p0) / spread >= self.z_threshold

    def classify(self, comparison: Comparison) -> list[Label]:
        """Return "real" or "noise" for each difference, in order."""
        verdicts: dict[str, Label] = {}
        labels: list[Label] = []
        for difference in comparison.differences:
            name = difference.field
            label = verdicts.get(name)
            if label is None:
                label = verdicts[name] = "real" if self.is_real(name) else "noise"
            labels.append(label)
        return labels

    def reported_fields(self) -> list[str]:
        """Return the fields the candidate really changes, most frequent first."""
        found = [name for name, (_, x1) in self._counts.items() if x1 and self.is_real(name)]
        return sorted(found, key=lambda name: (-self._counts[name][1], name))

    def noisy_fields(self) -> list[str]:
        """Return the fields seen differing between primaries that are not real, sorted."""
        return sorted(name for name, (x0, _) in self._counts.items() if x0 and not self.is_real(name))

    def suggest_ignore_rules(self) -> list[str]:
        """Return TOML lines to paste under the route's `[routes.compare]` table."""
        noisy = self.noisy_fields()
        paths = [name for name in noisy if name == "" or name.startswith("/")]
        headers = [name.removeprefix("header:") for name in noisy if name.startswith("header:")]
        lines = []
        if paths:
            lines.append("# these differ as often between two primary calls as against the candidate")
            lines.append("ignore = [" + ", ".join(json.dumps(p) for p in paths) + "]")
        if headers:
            lines.append(f"# noisy headers; leave them out of `headers`: {', '.join(headers)}")
        if "status" in noisy:
            lines.append("# the status code itself differs between two primary calls")
        return lines

    def merge(self, other: NoiseModel) -> NoiseModel:
        """Return a model holding both models' counts (e.g. from two proxy workers)."""
        merged = NoiseModel(margin=self.margin, z_threshold=self.z_threshold, max_fields=self.max_fields)
        merged.noise_samples = self.noise_samples + other.noise_samples
        merged.candidate_samples = self.candidate_samples + other.candidate_samples
        for source in (self._counts, other._counts):
            for name, (x0, x1) in source.items():
                pair = merged._counts.setdefault(name, [0, 0])
                pair[0] += x0
                pair[1] += x1
        return merged

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict that from_dict reads back."""
        return {
            "version": _VERSION,
            "margin": self.margin,
            "z_threshold": self.z_threshold,
            "max_fields": self.max_fields,
            "noise_samples": self.noise_samples,
            "candidate_samples": self.candidate_samples,
            "fields": {name: {"noise": x0, "candidate": x1} for name, (x0, x1) in self._counts.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NoiseModel:
        """Rebuild a model from to_dict output; raise StoredDataError naming the bad field."""
        if not isinstance(data, Mapping):
            raise StoredDataError("(noise model)", f"must be an object, got {type(data).__name__}")
        if data.get("version") != _VERSION:
            raise StoredDataError("version", f"must be {_VERSION}, got {data.get('version')!r}")
        model = cls(
            margin=data.get("margin", 0.01),
            z_threshold=data.get("z_threshold", 2.33),
            max_fields=data.get("max_fields", 5000),
        )
        model.noise_samples = _count_field(data, "noise_samples", None)
        model.candidate_samples = _count_field(data, "candidate_samples", None)
        fields = data.get("fields", {})
        if not isinstance(fields, Mapping):
            raise StoredDataError("fields", f"must be an object, got {type(fields).__name__}")
        for name, entry in fields.items():
            where = f"fields.{name}"
            if not isinstance(name, str) or not isinstance(entry, Mapping):
                raise StoredDataError(where, "must map a field name to {noise, candidate}")
            model._counts[name] = [
                _count_field(entry, "noise", model.noise_samples, where),
                _count_field(entry, "candidate", model.candidate_samples, where),
            ]
        return model


def _count_field(data: Mapping[str, Any], key: str, most: int | None, where: str = "") -> int:
    value = data.get(key, 0)
    name = f"{where}.{key}" if where else key
    if type(value) is not int or value < 0:
        raise StoredDataError(name, f"must be a whole number >= 0, got {value!r}")
    if most is not None and value > most:
        raise StoredDataError(name, f"cannot exceed the number of comparisons ({most}), got {value}")
    return value


def _check_number(value: Any, name: str, upper: float | None = None) -> None:
    if type(value) not in (int, float) or not math.isfinite(value) or value < 0 or (upper is not None and value > upper):
        bound = f" and <= {upper}" if upper is not None else ""
        raise StoredDataError(name, f"must be a number >= 0{bound}, got {value!r}")
