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

__all__ = ["AccessLog", "RequestContext"]

_log = logging.getLogger("strangler.access")
_quote = json.dumps
# Text that is its own JSON string body: printable ASCII without a quote or a backslash.
_PLAIN = re.compile(r'[ !#-\[\]-~]*')


# Client addresses are few, so each is quoted once.
_clients: dict[str, str] = {}


def _string(text: str) -> str:
    return f'"{text}"' if _PLAIN.fullmatch(text) else _quote(text)


def _client(address: str) -> str:
    quoted = _clients.get(address)
    if quoted is None:
        if len(_clients) >= 1024:
            _clients.clear()
        quoted = _clients[address] = _string(address)
    return quoted


class RequestContext:
    """Facts about one request, filled in as it is handled."""

    __slots__ = ("request_id", "method", "started", "path", "route", "backend", "version", "status", "fallback",
                 "client", "error")

    def __init__(self, request_id: str, method: str, started: float | None = None) -> None:
        self.request_id = request_id
        self.method = method
        self.started = time.perf_counter() if started is None else started
        self.path = ""
        self.route = "-"
        self.backend = "-"
        self.version: int | None = None
        self.status = 0
        self.fallback: str | None = None
        self.client = ""
        self.error: str | None = None


class AccessLog:
    """Buffer access lines and write them to the `strangler.access` logger in batches."""

    def __init__(self, *, enabled: bool = True, flush_seconds: float = 0.2, max_lines: int = 2000) -> None:
        self.enabled = enabled
        self._flush_seconds = flush_seconds
        self._max_lines = max_lines
        self._lines: list[str] = []
        self._task: asyncio.Task[None] | None = None
        # The "ts" text of the current millisecond: under load, many lines share it.
        self._ts_ms = -1
        self._ts = ""
        # The table version's text, for the version seen last (it seldom changes).
        self._version: int | None = None
        self._version_text = "null"

    def record(self, ctx: RequestContext, seconds: float, sent_bytes: int | None) -> None:
        """Add the request's line."""
        if not self.enabled:
            return
        # Formatted by hand: json.dumps of a dict costs several times more per request. The
        # path is canonical (routing/paths.py: no quote, backslash or control character); the
        # client address is quoted by hand when it needs no escaping (an IP address never
        # does); the other fields are validated tokens (request id, method, route and backend
        # names) or numbers. Milliseconds are decimals made from integers: formatting a float
        # costs more, and compiled (access_log.pxd) these are C integers that format without
        # becoming Python ints.
        now_ms = int(time.time() * 1000)
        if now_ms != self._ts_ms:
            self._ts_ms = now_ms
            self._ts = f"{now_ms // 1000}.{now_ms % 1000:03d}"
        us = int(seconds * 1000000 + 0.5)
        status = ctx.status
        version = ctx.version
        if version != self._version:
            self._version = version
            self._version_text = "null" if version is None else str(version)
        if sent_bytes is None:
            sent = "null"
        else:
            size = sent_bytes
            sent = f"{size}"
        line = (
            f'{{"ts":{self._ts},"event":"request","request_id":"{ctx.request_id}","method":"{ctx.method}",'
            f'"path":"{ctx.path}","status":{status},"route":"{ctx.route}","backend":"{ctx.backend}",'
            f'"table_version":{self._version_text},"duration_ms":{us // 1000}.{us % 1000:03d},"bytes":{sent},'
            f'"client":{_client(ctx.client)}'
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
