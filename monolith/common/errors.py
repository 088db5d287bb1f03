"""The one error shape of the monolith's API, and the handlers that produce it.

Every error response is JSON:
    {"error": {"code": "<snake_case>", "message": "<human text>", "details": {"<field>": ["..."]}}}

Ways a request fails, and the code it gets:
- 400 `invalid_input` (validation, with per-field details), `malformed_json`, `bad_request`
- 401 `not_authenticated`, `invalid_token`
- 403 `permission_denied`, `writes_moved` (the context's writes belong to an extracted service)
- 404 `not_found`
- 405 `method_not_allowed`
- 409 `conflict` (e.g. out of stock, coupon already used, order not cancellable)
- 413 `payload_too_large`
- 415 `unsupported_media_type`
- 429 `throttled`
- 500 `server_error` (never with a traceback)
"""
from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

__all__ = [
    "ApplicationError",
    "Conflict",
    "NotFound",
    "WritesMoved",
    "error_body",
    "exception_handler",
]


class ApplicationError(Exception):
    """A business rule said no. Services raise these; the API turns them into JSON."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "bad_request"

    def __init__(self, message: str, *, details: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}


class Conflict(ApplicationError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class NotFound(ApplicationError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


class WritesMoved(ApplicationError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "writes_moved"


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _flatten(detail: Any) -> dict[str, list[str]]:
    """Turn DRF's nested error detail into {field.path: [messages]}."""
    out: dict[str, list[str]] = {}

    def walk(value: Any, prefix: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{prefix}.{key}" if prefix else str(key))
        elif isinstance(value, list) and value and not all(isinstance(v, str) for v in value):
            for index, inner in enumerate(value):
                if inner:
                    walk(inner, f"{prefix}.{index}" if prefix else str(index))
        else:
            messages = value if isinstance(value, list) else [value]
            out.setdefault(prefix or "non_field_errors", []).extend(str(m) for m in messages)

    walk(detail, "")
    return out


_DRF_CODES = {
    exceptions.ParseError: "malformed_json",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "invalid_token",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.NotAcceptable: "not_acceptable",
}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF exception handler: every failure becomes the documented error shape."""
    headers: dict[str, str] = {}
    if isinstance(exc, ApplicationError):
        set_rollback()
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status_code)
    if isinstance(exc, RequestDataTooBig):
        return Response(
            error_body("payload_too_large", "The request body is too large."),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if not isinstance(exc, exceptions.APIException):
        return None  # a real bug: Django's handler500 answers with JSON
    set_rollback()
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        body = error_body("invalid_input", "The request is invalid.", _flatten(exc.detail))
    else:
        code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "bad_request")
        body = error_body(code, str(exc.detail))
    return Response(body, status=exc.status_code, headers=headers)


def _json(status_code: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status_code)


def bad_request(request, exception=None):
    return _json(400, "bad_request", "The request could not be understood.")


def permission_denied(request, exception=None):
    return _json(403, "permission_denied", "You do not have permission to do this.")


def not_found(request, exception=None):
    return _json(404, "not_found", "No such resource.")


def server_error(request):
    return _json(500, "server_error", "Something went wrong on our side.")
