"""The proxy's recorder: a sample of shadowed exchanges, redacted, to rotating HAR files.

`add` runs on the request path and only appends to a list (at most two files' worth is
held; beyond that, exchanges are counted as dropped). The comparing mirror's flusher calls
`flush`, which redacts and writes in a thread: a file per route when it has
STRANGLER_RECORD_ENTRIES entries or its oldest is STRANGLER_RECORD_SECONDS old, and
everything at shutdown. Files are `<dir>/<route>/<UTC time>-<pid>-<n>.har`, written atomically.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from strangler_proxy.mirror import MirroredRequest, MirroredResponse
from strangler_proxy.replay.har import HarEntry, write_har
from strangler_proxy.routing.model import RouteSpec
from strangler_proxy.shadow.redact import redact_body, redact_headers, redact_path

__all__ = ["HarRecorder"]

_log = logging.getLogger("strangler.record")


@dataclass
class _Pending:
    first: float
    items: list[tuple[datetime, MirroredRequest, MirroredResponse]] = field(default_factory=list)


class HarRecorder:
    """Collect exchanges per route and write them as HAR files."""

    def __init__(self, directory: Path, *, entries_per_file: int = 200, max_age_seconds: float = 60.0,
                 clock=time.monotonic) -> None:
        self.directory = Path(directory)
        self.entries_per_file = entries_per_file
        self.max_age_seconds = max_age_seconds
        self.dropped = 0
        self.written: list[Path] = []
        self._clock = clock
        self._pending: dict[str, _Pending] = {}
        self._sequence = itertools.count(1)

    def add(self, route: RouteSpec, request: MirroredRequest, primary: MirroredResponse) -> None:
        """Take an exchange to record (cheap: no copying, no redaction here)."""
        pending = self._pending.get(route.id)
        if pending is None:
            pending = self._pending[route.id] = _Pending(self._clock())
        if len(pending.items) >= 2 * self.entries_per_file:
            self.dropped += 1
            return
        pending.items.append((datetime.now(timezone.utc), request, primary))

    async def flush(self, *, final: bool = False) -> None:
        """Write the files that are due (all of them when final)."""
        now = self._clock()
        size = self.entries_per_file
        due: list[tuple[str, list[tuple[datetime, MirroredRequest, MirroredResponse]]]] = []
        for route, pending in list(self._pending.items()):
            aged = final or now - pending.first >= self.max_age_seconds
            if not pending.items or not (aged or len(pending.items) >= size):
                continue
            del self._pending[route]
            chunks = [pending.items[i:i + size] for i in range(0, len(pending.items), size)]
            if not aged and len(chunks[-1]) < size:
                self._pending[route] = _Pending(now, chunks.pop())  # a partial file waits for more
            due.extend((route, chunk) for chunk in chunks)
        for route, items in due:
            path = self.directory / route / (
                f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{os.getpid()}-{next(self._sequence)}.har")
            await asyncio.to_thread(write_har, path, [har_entry(route, *item) for item in items])
            self.written.append(path)
            _log.info("recorded %d exchanges of %s to %s", len(items), route, path)


def har_entry(route: str, started: datetime, request: MirroredRequest, primary: MirroredResponse) -> HarEntry:
    """Turn an exchange into a redacted HAR entry."""
    headers = list(request.headers)
    proto = next((v for k, v in headers if k.lower() == "x-forwarded-proto"), "http")
    host = next((v for k, v in headers if k.lower() == "x-forwarded-host"), "strangler.invalid")
    request_type = next((v for k, v in headers if k.lower() == "content-type"), "")
    response_type = next((v for k, v in primary.headers if k.lower() == "content-type"), "")
    return HarEntry(
        started=started, method=request.method, url=f"{proto}://{host}{redact_path(request.path_qs)}",
        request_headers=redact_headers(headers),
        request_body=redact_body(request.body, request_type) if request.body is not None else None,
        status=primary.status, response_headers=redact_headers(primary.headers),
        response_body=redact_body(primary.body, response_type) if primary.body is not None else None,
        elapsed_ms=(primary.elapsed or 0.0) * 1000, comment=f"route {route}, request {request.request_id}")
