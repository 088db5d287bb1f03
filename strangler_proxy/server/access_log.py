"""One structured (JSON) log line per request, and what each request carries to produce it."""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field

__all__ = ["RequestContext", "log_request"]

_log = logging.getLogger("strangler.access")


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


def log_request(ctx: RequestContext, *, seconds: float, sent_bytes: int | None) -> None:
    """Write the request's log line to the `strangler.access` logger."""
    if not _log.isEnabledFor(logging.INFO):
        return
    line = {
        "ts": round(time.time(), 3),
        "event": "request",
        "request_id": ctx.request_id,
        "method": ctx.method,
        "path": ctx.path,
        "status": ctx.status,
        "route": ctx.route,
        "backend": ctx.backend,
        "table_version": ctx.version,
        "duration_ms": round(seconds * 1000, 3),
        "bytes": sent_bytes,
        "client": ctx.client,
    }
    if ctx.fallback:
        line["fallback"] = ctx.fallback
    if ctx.error:
        line["error"] = ctx.error
    _log.info(json.dumps(line, separators=(",", ":")))
