"""Proxy-made answers are JSON: the error document, JSON responses for the reserved paths."""
from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from strangler_proxy.errors import ProxyError

__all__ = ["error_body", "json_response", "proxy_error_body"]


def error_body(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> bytes:
    """Return the project's JSON error document."""
    return json.dumps({"error": {"code": code, "message": message, "details": details or {}}}).encode()


def json_response(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """Return a JSON response."""
    return web.Response(body=json.dumps(data, indent=None).encode(), status=status,
                        content_type="application/json", headers=headers)


def proxy_error_body(error: ProxyError) -> bytes:
    """Return the JSON error document for a ProxyError."""
    return json.dumps(error.body()).encode()

