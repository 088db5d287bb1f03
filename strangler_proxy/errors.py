"""Every way the proxy and its control plane fail, as one hierarchy.

    StranglerError
    ├── ConfigError                 an environment variable or option holds a bad value
    ├── RouteTableError             strangler.toml refused whole; `.problems` names file, route, field
    ├── StoreError                  the route store could not do what was asked
    │   ├── StoreUnavailable        SQLite or Redis cannot be reached (workers keep their last table)
    │   └── FlipRefused             a flip the route table does not allow (bad mode, percent, reason)
    │       └── UnknownRoute        the route id is not in the table
    └── ProxyError                  answered to the client as JSON with `.status` and `.code`
        ├── BadPath          400    ambiguous or hostile request path; never forwarded
        ├── BodyTooLarge     413    request body over the configured limit
        ├── RouteRetired     410    the route is retired
        ├── NotFound         404    unknown path under the reserved /_strangler/ prefix
        ├── Unauthorized     401    admin API without a valid bearer token
        ├── InvalidRequest   400    admin API request that is malformed
        └── UpstreamError           the chosen backend failed; `.request_sent` says whether it
            │                       may have reached the backend (never re-send those writes)
            ├── UpstreamUnreachable  502   connection refused, reset or closed early
            ├── UpstreamTimeout      504   connect or read timeout
            └── BackendUnavailable   503   every instance is unhealthy or has its circuit open

The JSON body is the project's error shape:
``{"error": {"code": "<snake_case>", "message": "<text>", "details": {...}}}``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "BackendUnavailable",
    "BadPath",
    "BodyTooLarge",
    "ConfigError",
    "FlipRefused",
    "InvalidRequest",
    "NotFound",
    "ProxyError",
    "RouteRetired",
    "RouteTableError",
    "StoreError",
    "StoreUnavailable",
    "StranglerError",
    "Unauthorized",
    "UnknownRoute",
    "UpstreamError",
    "UpstreamTimeout",
    "UpstreamUnreachable",
]


class StranglerError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(StranglerError):
    """An environment variable or command-line option holds a bad value."""


class RouteTableError(StranglerError):
    """The route file was refused whole; nothing of it was applied."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = list(problems)
        first = self.problems[0] if self.problems else "invalid route table"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(f"{first}{more}")


class StoreError(StranglerError):
    """The route store could not do what was asked."""


class StoreUnavailable(StoreError):
    """The store's database or server cannot be reached."""


class FlipRefused(StoreError):
    """A requested mode change is not allowed by the route table."""


class UnknownRoute(FlipRefused):
    """The route id names no route in the table."""


class ProxyError(StranglerError):
    """An error the proxy answers itself, as JSON."""

    status: int = 500
    code: str = "proxy_error"

    def __init__(self, message: str, *, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = dict(details or {})

    def body(self) -> dict[str, Any]:
        """Return the JSON error document."""
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class BadPath(ProxyError):
    status, code = 400, "bad_path"


class BodyTooLarge(ProxyError):
    status, code = 413, "body_too_large"


class RouteRetired(ProxyError):
    status, code = 410, "route_retired"


class NotFound(ProxyError):
    status, code = 404, "not_found"


class Unauthorized(ProxyError):
    status, code = 401, "unauthorized"


class InvalidRequest(ProxyError):
    status, code = 400, "invalid_request"


class UpstreamError(ProxyError):
    status, code = 502, "upstream_error"

    def __init__(
        self,
        message: str,
        *,
        backend: str,
        request_sent: bool,
        retryable: bool = False,
        cause: str = "",
    ) -> None:
        super().__init__(message, details={"backend": backend})
        self.backend = backend
        self.request_sent = request_sent
        # Whether a pooled connection broke before any answer (worth one retry for safe requests).
        self.retryable = retryable
        # The low-level reason, for the log only: clients never see upstream internals.
        self.cause = cause


class UpstreamUnreachable(UpstreamError):
    status, code = 502, "upstream_unreachable"


class UpstreamTimeout(UpstreamError):
    status, code = 504, "upstream_timeout"


class BackendUnavailable(UpstreamError):
    status, code = 503, "backend_unavailable"
