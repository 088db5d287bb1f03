"""One structured (JSON) log line per request, and what each request carries to produce it.

Lines are collected in memory and handed to the `strangler.access` logger in batches (every
`flush_seconds`, and when the proxy stops): one logging call per batch instead of one per
request keeps the cost of logging off the data plane. Each line is still one JSON object.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from dataclasses import dataclass, field

__all__ = ["AccessLog", "RequestContext"]

_log = logging.getLogger("strangler.access")
_quote = json.dumps
# Text that is its own JSON string body: printable ASCII without a quote or a backslash.
_PLAIN = re.compile(r'[ !#-\[\]-~]*')


def _string(text: str) -> str:
    return f'"{text}"' if _PLAIN.fullmatch(text) else _quote(text)


@dataclass(slots=True)
class RequestContext:
    """Facts about one request, filled in as it is handled."""

    request_id: str
    method: str
    started: float = field(default_factory=time.perf_counter)
    path: str = ""
    route: str = "-"
    backend: str = "-"
    version: int | None = None
    status: int = 0
    fallback: str | None = None
    client: str = ""
    error: str | None = None


class AccessLog:
    """Buffer access lines and write them to the `strangler.access` logger in batches."""

    def __init__(self, *, enabled: bool = True, flush_seconds: float = 0.2, max_lines: int = 2000) -> None:
        self.enabled = enabled
        self._flush_seconds = flush_seconds
        self._max_lines = max_lines
        self._lines: list[str] = []
        self._task: asyncio.Task[None] | None = None

    def record(self, ctx: RequestContext, *, seconds: float, sent_bytes: int | None) -> None:
        """Add the request's line."""
        if not self.enabled:
            return
        # Formatted by hand: json.dumps of a dict costs several times more per request.
        # The path is canonical (routing/paths.py: no quote, backslash or control character);
        # the client address is quoted by hand when it needs no escaping (an IP address never
        # does); the other fields are validated tokens (request id, method, route and backend
        # names) or numbers.
        line = (
            f'{{"ts":{time.time():.3f},"event":"request","request_id":"{ctx.request_id}",'
            f'"method":"{ctx.method}","path":"{ctx.path}","status":{ctx.status},'
            f'"route":"{ctx.route}","backend":"{ctx.backend}",'
            f'"table_version":{"null" if ctx.version is None else ctx.version},'
            f'"duration_ms":{seconds * 1000:.3f},"bytes":{"null" if sent_bytes is None else sent_bytes},'
            f'"client":{_string(ctx.client)}'
        )
        if ctx.fallback:
            line += f',"fallback":{_quote(ctx.fallback)}'
        if ctx.error:
            line += f',"error":{_quote(ctx.error)}'
        self._lines.append(line + "}")
        if len(self._lines) >= self._max_lines or self._task is None:
            self.flush()

    def flush(self) -> None:
        """Write the buffered lines now."""
        if self._lines:
            lines, self._lines = self._lines, []
            if _log.isEnabledFor(logging.INFO):
                _log.info("\n".join(lines))

    def start(self) -> None:
        """Flush periodically (call on the event loop); without it every line is written at once."""
        if self.enabled:
            self._task = asyncio.create_task(self._run(), name="strangler-access-log")

    async def stop(self) -> None:
        """Stop the periodic flush and write what is left."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.flush()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._flush_seconds)
            self.flush()
