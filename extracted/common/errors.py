"""Every way a request to an extracted service fails, in the monolith's error shape.

Each error is answered as JSON:
    {"error": {"code": "<snake_case>", "message": "<text>", "details": {"<field>": ["..."]}}}

    ServiceError                      500 server_error (never with a traceback)
    ├── BadRequest                    400 bad_request
    │   ├── InvalidInput              400 invalid_input (per-field details)
    │   └── MalformedJson             400 malformed_json
    ├── NotAuthenticated              401 not_authenticated (sends WWW-Authenticate: Bearer)
    ├── InvalidToken                  401 invalid_token (sends WWW-Authenticate: Bearer)
    ├── PermissionDenied              403 permission_denied
    ├── WritesMoved                   403 writes_moved (the other side owns this context's writes)
    ├── NotFound                      404 not_found
    ├── MethodNotAllowed              405 method_not_allowed
    ├── NotAcceptable                 406 not_acceptable
    ├── Conflict                      409 conflict
    │   └── DependencyMissing         409 dependency_missing (a copied row needs a row not copied yet)
    ├── PayloadTooLarge               413 payload_too_large
    └── UnsupportedMediaType          415 unsupported_media_type
"""
from __future__ import annotations

from typing import Any

__all__ = [
    "BadRequest",
    "Conflict",
    "DependencyMissing",
    "InvalidInput",
    "InvalidToken",
    "MalformedJson",
    "MethodNotAllowed",
    "NotAcceptable",
    "NotAuthenticated",
    "NotFound",
    "PayloadTooLarge",
    "PermissionDenied",
    "ServiceError",
    "UnsupportedMediaType",
    "WritesMoved",
    "error_body",
]


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict:
    """The one error shape, as the monolith's `common.errors.error_body` builds it."""
    return {"error": {"code": code, "message": message, "details": details or {}}}


class ServiceError(Exception):
    """A request failed in a way the client should hear about."""

    status_code = 500
    code = "server_error"
    headers: dict[str, str] = {}

    def __init__(self, message: str, *, details: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def body(self) -> dict:
        return error_body(self.code, self.message, self.details)


class BadRequest(ServiceError):
    status_code = 400
    code = "bad_request"


class InvalidInput(BadRequest):
    code = "invalid_input"

    def __init__(self, details: dict[str, list[str]]):
        super().__init__("The request is invalid.", details=details)


class MalformedJson(BadRequest):
    code = "malformed_json"


class NotAuthenticated(ServiceError):
    status_code = 401
    code = "not_authenticated"
    headers = {"WWW-Authenticate": "Bearer"}

    def __init__(self, message: str = "Authentication credentials were not provided."):
        super().__init__(message)


class InvalidToken(ServiceError):
    status_code = 401
    code = "invalid_token"
    headers = {"WWW-Authenticate": "Bearer"}


class PermissionDenied(ServiceError):
    status_code = 403
    code = "permission_denied"

    def __init__(self, message: str = "You do not have permission to perform this action."):
        super().__init__(message)


class WritesMoved(ServiceError):
    status_code = 403
    code = "writes_moved"


class NotFound(ServiceError):
    status_code = 404
    code = "not_found"


class MethodNotAllowed(ServiceError):
    status_code = 405
    code = "method_not_allowed"


class NotAcceptable(ServiceError):
    status_code = 406
    code = "not_acceptable"


class Conflict(ServiceError):
    status_code = 409
    code = "conflict"


class DependencyMissing(Conflict):
    code = "dependency_missing"


class PayloadTooLarge(ServiceError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaType(ServiceError):
    status_code = 415
    code = "unsupported_media_type"
