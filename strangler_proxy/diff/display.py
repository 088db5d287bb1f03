"""Short, bounded renderings of values for a Difference: never the whole of a big subtree."""
from __future__ import annotations

import json
from typing import Any

__all__ = ["DISPLAY_LIMIT", "preview"]

DISPLAY_LIMIT = 200
_ELLIPSIS = "…"
_MAX_DEPTH = 32
_encode_string = json.encoder.encode_basestring  # type: ignore[attr-defined]


def preview(value: Any, limit: int = DISPLAY_LIMIT) -> Any:
    """Return `value` fit for display: scalars as they are, strings cut, containers as cut JSON text."""
    kind = type(value)
    if kind is str:
        return value if len(value) <= limit else value[: limit - 1] + _ELLIPSIS
    if kind is dict or kind is list:
        parts: list[str] = []
        # Rendering stops once past the limit, so a huge subtree costs no more than a small one.
        _render(value, parts, [limit + 1], 0)
        text = "".join(parts)
        return text if len(text) <= limit else text[: limit - 1] + _ELLIPSIS
    if value is None or kind is bool or kind is int or kind is float:
        return value
    return preview(str(value), limit)


def _render(value: Any, parts: list[str], budget: list[int], depth: int) -> None:
    if budget[0] <= 0:
        return
    kind = type(value)
    if kind is dict:
        if depth >= _MAX_DEPTH:
            _emit("{…}", parts, budget)
            return
        _emit("{", parts, budget)
        for index, (key, item) in enumerate(value.items()):
            if budget[0] <= 0:
                return
            _emit(("," if index else "") + _encode_string(str(key)) + ":", parts, budget)
            _render(item, parts, budget, depth + 1)
        _emit("}", parts, budget)
    elif kind is list:
        if depth >= _MAX_DEPTH:
            _emit("[…]", parts, budget)
            return
        _emit("[", parts, budget)
        for index, item in enumerate(value):
            if budget[0] <= 0:
                return
            if index:
                _emit(",", parts, budget)
            _render(item, parts, budget, depth + 1)
        _emit("]", parts, budget)
    elif kind is str:
        _emit(_encode_string(value[: budget[0]]), parts, budget)
    else:
        try:
            _emit(json.dumps(value), parts, budget)
        except (TypeError, ValueError):
            _emit(_encode_string(str(value)[: budget[0]]), parts, budget)


def _emit(text: str, parts: list[str], budget: list[int]) -> None:
    parts.append(text)
    budget[0] -= len(text)
