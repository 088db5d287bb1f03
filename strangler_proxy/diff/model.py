"""What a comparison finds: kinds of difference, one difference, the whole comparison."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from strangler_proxy.diff.errors import StoredDataError

__all__ = ["Comparison", "Difference", "Kind"]


class Kind(StrEnum):
    """What differs; `primary` and `candidate` on a Difference hold the two sides."""

    STATUS = "status"  # the status codes
    HEADER = "header"  # an allow-listed header; None for an absent header
    VALUE_CHANGED = "value_changed"  # same JSON type, other value
    TYPE_CHANGED = "type_changed"  # other JSON type (number, string, boolean, null, object, array)
    MISSING_KEY = "missing_key"  # in the primary only (a key, or an item of a keyed array)
    EXTRA_KEY = "extra_key"  # in the candidate only
    ARRAY_LENGTH = "array_length"  # sides hold the lengths; elements are not compared
    ARRAY_ORDER = "array_order"  # the differing elements are the same ones, in another order
    TEXT = "text"  # non-JSON bodies differ after normalisation; `detail` holds a unified diff
    BODY_TYPE = "body_type"  # JSON on one side, not on the other


@dataclass(frozen=True, slots=True)
class Difference:
    """One difference, at a JSON Pointer `path` (`normalised_path` has `*` for array indices).

    For `header` the path is the lower-case header name; for `status` it is "".
    `primary` and `candidate` are display values: JSON scalars as they are, long strings
    cut, objects and arrays as a cut compact JSON text.
    """

    kind: Kind
    path: str
    normalised_path: str
    primary: Any = None
    candidate: Any = None
    detail: str = ""

    @property
    def field(self) -> str:
        """Return the key that groups this difference across requests (noise, dashboards)."""
        if self.kind is Kind.STATUS:
            return "status"
        if self.kind is Kind.HEADER:
            return f"header:{self.path}"
        return self.normalised_path

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "kind": self.kind.value,
            "path": self.path,
            "normalised_path": self.normalised_path,
            "primary": self.primary,
            "candidate": self.candidate,
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "difference") -> Difference:
        """Build a Difference from `to_dict` output; raise StoredDataError naming the bad field."""
        if not isinstance(data, Mapping):
            raise StoredDataError(where, f"must be an object, got {type(data).__name__}")
        try:
            kind = Kind(data.get("kind"))
        except ValueError:
            raise StoredDataError(f"{where}.kind", f"must be one of {', '.join(Kind)}, "
                                                   f"got {data.get('kind')!r}") from None
        texts = {}
        for name in ("path", "normalised_path", "detail"):
            value = data.get(name, "")
            if not isinstance(value, str):
                raise StoredDataError(f"{where}.{name}", f"must be a string, got {type(value).__name__}")
            texts[name] = value
        return cls(kind, texts["path"], texts["normalised_path"], data.get("primary"),
                   data.get("candidate"), texts["detail"])


@dataclass(frozen=True, slots=True)
class Comparison:
    """The outcome of comparing a primary response with a candidate one."""

    differences: list[Difference] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        """Return True when the two responses did not differ (after the rules)."""
        return not self.differences

    def fields(self) -> set[str]:
        """Return the distinct fields that differ (see `Difference.field`)."""
        return {d.field for d in self.differences}

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {"matched": self.matched, "differences": [d.to_dict() for d in self.differences]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Comparison:
        """Build a Comparison from `to_dict` output; raise StoredDataError naming the bad field."""
        if not isinstance(data, Mapping):
            raise StoredDataError("comparison", f"must be an object, got {type(data).__name__}")
        items = data.get("differences", [])
        if not isinstance(items, list):
            raise StoredDataError("differences", f"must be a list, got {type(items).__name__}")
        return cls([Difference.from_dict(item, f"differences[{i}]") for i, item in enumerate(items)])
