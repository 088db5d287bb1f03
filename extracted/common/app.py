"""The Flask application both services build on: the monolith's HTTP behaviour.

What Django and DRF do around a view, in the same order:
1. a Content-Length over the limit is 413 (the monolith's BodySizeLimitMiddleware);
2. a malformed or disallowed host is 400 (CommonMiddleware);
3. a known path without its trailing slash is a 301 to the slash (APPEND_SLASH);
   an unknown path is 404 "No such resource.";
4. in the view: content negotiation (406), authentication (401), permissions
   (401/403), and only then the method (405) and the handler.
"""
from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping
from urllib.parse import quote

from flask import Blueprint, Flask, Request, Response, g, request
from flask.views import View
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter, RequestRedirect

from extracted.common.auth import Principal, TokenVerifier
from extracted.common.errors import MethodNotAllowed, NotAuthenticated, PermissionDenied, ServiceError
from extracted.common.http import check_acceptable, request_host
from extracted.common.responses import django_error, drf_json, error_response

if TYPE_CHECKING:
    from extracted.common.runtime import ServiceRuntime

__all__ = ["ApiView", "ServiceFlask", "current_host", "runtime_app", "service_app"]

log = logging.getLogger(__name__)

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_SAFE = {"GET", "HEAD", "OPTIONS"}


class _DigitsConverter(BaseConverter):
    """Django's <int:...>: ASCII digits only (Werkzeug's \\d takes any Unicode digit)."""

    regex = r"[0-9]+"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: Any) -> str:
        return str(int(value))


class _SlashRedirect(HTTPException):
    code = 301

    def __init__(self, location: str):
        super().__init__()
        self.location = location

    def get_response(self, environ=None, scope=None) -> Response:
        return Response(b"", status=301, headers={"Location": self.location},
                        content_type="text/html; charset=utf-8")


class ServiceFlask(Flask):
    def raise_routing_exception(self, request: Request):
        if isinstance(request.routing_exception, RequestRedirect):
            # Django answers 301 with a relative Location; Werkzeug would say 308, absolute.
            path = quote(request.path, safe="/:@&+$,-_.!~*'()") + "/"
            query = request.environ.get("QUERY_STRING", "")
            location = path + (f"?{quote(query, safe='/#%[]=:;$&()+,!?*@~' + chr(39))}" if query else "")
            raise _SlashRedirect(location)
        return super().raise_routing_exception(request)


def current_host() -> str:
    """The host this request was made to (checked before the view ran)."""
    return g.request_host


def service_app(import_name: str, *, allowed_hosts: tuple[str, ...], max_body_bytes: int) -> ServiceFlask:
    """A Flask app that behaves like the monolith around its views."""
    app = ServiceFlask(import_name)
    app.url_map.converters["int"] = _DigitsConverter
    app.url_map.merge_slashes = False

    @app.before_request
    def _guard() -> Response | None:
        length = request.environ.get("CONTENT_LENGTH") or "0"
        try:
            too_big = int(length) > max_body_bytes
        except ValueError:
            return django_error(400, "bad_request", "Invalid Content-Length.")
        if too_big:
            return django_error(413, "payload_too_large",
                                f"The request body is over {max_body_bytes} bytes.")
        try:
            g.request_host = request_host(request, allowed_hosts)
        except ServiceError:
            return django_error(400, "bad_request", "The request could not be understood.")
        return None

    @app.errorhandler(ServiceError)
    def _service_error(error: ServiceError) -> Response:
        return error_response(error)

    @app.errorhandler(404)
    def _unknown_path(error: HTTPException) -> Response:
        return django_error(404, "not_found", "No such resource.")

    @app.errorhandler(405)
    def _unknown_method(error: HTTPException) -> Response:
        return drf_json(MethodNotAllowed(f'Method "{request.method}" not allowed.').body(), status=405)

    @app.errorhandler(Exception)
    def _crash(error: Exception) -> Response:
        if isinstance(error, HTTPException):
            if error.code is None or error.code < 400:
                return error  # redirects
            # Werkzeug refused the request itself (malformed, too large): JSON like Django's handlers.
            code = "payload_too_large" if error.code == 413 else "bad_request"
            return django_error(error.code, code, "The request could not be understood.")
        log.exception("unhandled error on %s %s", request.method, request.path)
        return django_error(500, "server_error", "Something went wrong on our side.")

    return app


def runtime_app(import_name: str, runtime: "ServiceRuntime", *, blueprints: Iterable[Blueprint],
                health: Mapping[str, Any] | None = None) -> ServiceFlask:
    """A service's app: its runtime in `app.extensions[<name>]`, its blueprints, and /healthz."""
    config = runtime.config
    app = service_app(import_name, allowed_hosts=config.allowed_hosts, max_body_bytes=config.max_body_bytes)
    app.extensions[config.service] = runtime
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    status = {"status": "ok", "service": config.service, **(health or {})}

    @app.get("/healthz")
    def healthz() -> Response:
        return drf_json(status)

    return app


class ApiView(View):
    """One API operation per class, dispatched in DRF's order.

    Subclasses define get/post/put/patch/delete, set `permission` to one of
    "any", "authenticated", "staff_or_read_only", "internal", and say where the
    service's token verifier is.
    """

    methods = list(_METHODS)
    permission = "any"

    @classmethod
    def route(cls) -> Callable:
        return cls.as_view(cls.__name__)

    def token_verifier(self) -> TokenVerifier:
        raise NotImplementedError

    def allowed(self) -> list[str]:
        names = [m for m in ("GET", "POST", "PUT", "PATCH", "DELETE") if hasattr(self, m.lower())]
        if "GET" in names:
            names.append("HEAD")
        return names + ["OPTIONS"]

    def _metadata(self) -> dict:
        """What DRF's SimpleMetadata answers to OPTIONS for a plain APIView."""
        name = re.sub("(((?<=[a-z])[A-Z])|([A-Z](?![A-Z]|$)))", " \\1", type(self).__name__).strip()
        return {"name": " ".join(name.split("_")).title(), "description": "",
                "renders": ["application/json"], "parses": ["application/json"]}

    def _authenticate(self) -> None:
        header = request.environ.get("HTTP_AUTHORIZATION", "")
        if self.permission == "internal":
            g.caller = self.token_verifier().internal(header)
            g.user = None
            return
        g.user = self.token_verifier().user(header)

    def _check_permission(self) -> None:
        user: Principal | None = g.user
        if self.permission == "authenticated" and user is None:
            raise NotAuthenticated()
        if self.permission == "staff_or_read_only" and request.method not in _SAFE:
            if user is None:
                raise NotAuthenticated()
            if not user.staff:
                raise PermissionDenied()

    def dispatch_request(self, **kwargs: Any) -> Response:
        allow = {"Allow": ", ".join(self.allowed())}
        try:
            check_acceptable(request)
            self._authenticate()
            self._check_permission()
            method = "get" if request.method == "HEAD" else request.method.lower()
            handler = getattr(self, method, None)
            if request.method == "OPTIONS":
                response = drf_json(self._metadata())
            elif handler is None:
                raise MethodNotAllowed(f'Method "{request.method}" not allowed.')
            else:
                response = handler(**kwargs)
        except ServiceError as error:
            response = error_response(error)
        response.headers.update(allow)
        return response
