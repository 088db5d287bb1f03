"""JSON responses rendered byte for byte like the monolith's.

DRF views render compact JSON with non-ASCII kept; Django's own handlers (unknown
URL, bad host, oversized body, crash) render json.dumps' default spacing.
"""
from __future__ import annotations

import json
from typing import Any

from flask import Response

from extracted.common.errors import ServiceError, error_body

__all__ = ["django_error", "drf_json", "error_response"]


def drf_json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A response as DRF's JSONRenderer writes it."""
    body = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return Response(body.encode("utf-8"), status=status, headers=headers,
                    content_type="application/json")


def django_error(status: int, code: str, message: str) -> Response:
    """An error as the monolith's Django handlers (404, 400, 413, 500) write it."""
    return Response(json.dumps(error_body(code, message)), status=status,
                    content_type="application/json")


def error_response(error: ServiceError) -> Response:
    return drf_json(error.body(), status=error.status_code, headers=dict(error.headers))
