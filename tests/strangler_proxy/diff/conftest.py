"""Fixtures for the diff engine's tests: response builders and a findings helper."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from strangler_proxy.diff import Difference, ResponseSnapshot


@pytest.fixture
def json_response() -> Callable[..., ResponseSnapshot]:
    """Build a JSON response snapshot from a document."""

    def build(document: Any, status: int = 200, headers: dict[str, str] | None = None) -> ResponseSnapshot:
        return ResponseSnapshot(status, {"Content-Type": "application/json", **(headers or {})},
                                json.dumps(document).encode())

    return build


@pytest.fixture
def text_response() -> Callable[..., ResponseSnapshot]:
    """Build a text response snapshot."""

    def build(text: str | bytes, status: int = 200, content_type: str = "text/plain; charset=utf-8") -> ResponseSnapshot:
        body = text.encode() if isinstance(text, str) else text
        return ResponseSnapshot(status, {"Content-Type": content_type}, body)

    return build


@pytest.fixture
def findings() -> Callable[[list[Difference]], set[tuple[str, str]]]:
    """Reduce differences to a set of (kind, path)."""

    def reduce(differences: list[Difference]) -> set[tuple[str, str]]:
        return {(d.kind.value, d.path) for d in differences}

    return reduce
