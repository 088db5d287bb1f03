"""Proxy-made answers are JSON, including the ones aiohttp makes for unparsable requests."""
from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from strangler_proxy.errors import ProxyError

__all__ = ["JsonErrorRequestHandler", "error_body", "json_response", "use_json_parse_errors"]

_log = logging.getLogger("strangler.proxy")
_CODES = {400: "bad_request", 404: "not_found", 408: "request_timeout", 413: "body_too_large",
          414: "uri_too_long", 431: "headers_too_large", 500: "internal_error", 501: "not_implemented"}


def error_body(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> bytes:
    """Return the project's JSON error document."""
    return json.dumps({"error": {"code": code, "message": message, "details": details or {}}}).encode()


def json_response(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """Return a JSON response."""
    return web.Response(body=json.dumps(data, indent=None).encode(), status=status,
                        content_type="application/json", headers=headers)


def proxy_error_response(error: ProxyError, headers: dict[str, str] | None = None) -> web.Response:
    """Return the JSON answer for a ProxyError."""
    return web.Response(body=json.dumps(error.body()).encode(), status=error.status,
                        content_type="application/json", headers=headers)


class JsonErrorRequestHandler(RequestHandler):
    """aiohttp's connection handler, answering its own errors (bad request line, oversized headers) in JSON."""

    def handle_error(self, request, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        if request.writer.output_size > 0:
            # The answer had started: cutting the connection is the only honest signal left.
            raise ConnectionError("response already started; connection closed")
        if status >= 500:
            _log.error("error handling request", exc_info=exc)
        text = "the request could not be parsed" if status < 500 else "internal error"
        if exc is not None and status < 500:
            text = f"the request could not be parsed: {getattr(exc, 'message', None) or type(exc).__name__}"
            text = text.splitlines()[0][:200]
        response = web.Response(body=error_body(status, _CODES.get(status, "bad_request"), text),
                                status=status, content_type="application/json")
        response.force_close()
        return response


def use_json_parse_errors(server: web.Server) -> web.Server:
    """Make a low-level server build JsonErrorRequestHandler connections."""
    # aiohttp offers no hook for the handler class; Server.__call__ builds the protocol,
    # so a subclass with the same state is the narrowest change.
    server.__class__ = _JsonServer
    return server


class _JsonServer(web.Server):
    def __call__(self) -> RequestHandler:
        return JsonErrorRequestHandler(self, loop=self._loop, **self._kwargs)
