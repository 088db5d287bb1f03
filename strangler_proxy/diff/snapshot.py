"""A response as the comparison sees it: status, headers, body bytes, content type."""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Headers", "ResponseSnapshot", "is_json_media_type"]


class Headers(Mapping[str, str]):
    """Case-insensitive, read-only header mapping; repeated headers are joined with ", "."""

    __slots__ = ("_items",)

    def __init__(self, headers: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        # A multidict's items() yields every value of a repeated header, so it keeps them all.
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        items: dict[str, str] = {}
        for name, value in pairs:
            key = str(name).lower()
            items[key] = f"{items[key]}, {value}" if key in items else str(value)
        self._items = items

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


@dataclass(frozen=True, slots=True)
class ResponseSnapshot:
    """One response; `headers` becomes a case-insensitive Headers, `content_type` defaults to its Content-Type."""

    status: int
    headers: Mapping[str, str] = field(default_factory=Headers)
    body: bytes = b""
    content_type: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.headers, Headers):
            object.__setattr__(self, "headers", Headers(self.headers))
        if self.content_type is None:
            object.__setattr__(self, "content_type", self.headers.get("content-type", ""))
        if not isinstance(self.body, bytes):
            object.__setattr__(self, "body", bytes(self.body))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ResponseSnapshot:
        """Build a snapshot from a dict with status, headers, body (bytes or text), content_type."""
        body = data.get("body", b"")
        return cls(
            status=int(data["status"]),
            headers=Headers(data.get("headers", {})),
            body=body.encode() if isinstance(body, str) else bytes(body),
            content_type=data.get("content_type"),
        )


def is_json_media_type(content_type: str | None) -> bool:
    """Return True for application/json and any +json media type."""
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")
