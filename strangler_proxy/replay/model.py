"""A request to replay, whatever file it came from."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["ReplayRequest"]


@dataclass(frozen=True, slots=True)
class ReplayRequest:
    """Method, path with query, headers and body; `source` says where it was read (file:line or entry).

    `host` is the Host the request was made to, if the file says (both sides get the same one).
    """

    method: str
    path_qs: str
    headers: Sequence[tuple[str, str]] = ()
    body: bytes | None = None
    source: str = ""
    host: str | None = None

    @property
    def label(self) -> str:
        """Return a short name for reports: ``GET /api/v1/...``."""
        return f"{self.method} {self.path_qs}"
