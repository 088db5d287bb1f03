"""Reading a request the way the monolith (Django + DRF) reads it.

Absolute URLs come from the scheme and host the client used: X-Forwarded-Host wins
over Host (Django's USE_X_FORWARDED_HOST) and X-Forwarded-Proto: https makes the
scheme https (Django's SECURE_PROXY_SSL_HEADER). Query values are the last one
given, like Django's QueryDict.
"""
from __future__ import annotations

import codecs
import json
import re
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit, urlunsplit

from flask import Request

from extracted.common.errors import (
    BadRequest,
    MalformedJson,
    NotAcceptable,
    NotFound,
    UnsupportedMediaType,
)

__all__ = [
    "absolute_uri",
    "check_acceptable",
    "json_body",
    "query_value",
    "remove_query_param",
    "replace_query_param",
    "request_host",
]

# Django's host_validation_re.
_HOST = re.compile(r"^([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::([0-9]+))?$")
_MAX_MEDIA_TYPE_LENGTH = 256


def request_host(request: Request, allowed_hosts: tuple[str, ...]) -> str:
    """The host the client asked for; BadRequest when it is malformed or not allowed."""
    environ = request.environ
    if "HTTP_X_FORWARDED_HOST" in environ:
        host = environ["HTTP_X_FORWARDED_HOST"]
    elif "HTTP_HOST" in environ:
        host = environ["HTTP_HOST"]
    else:
        host = environ.get("SERVER_NAME", "localhost")
        port = str(environ.get("SERVER_PORT", "80"))
        if port != "80":
            host = f"{host}:{port}"
    match = _HOST.fullmatch(host.lower())
    domain = match.group(1).removesuffix(".") if match else ""
    if not domain or not _host_allowed(domain, allowed_hosts):
        raise BadRequest("The request could not be understood.")
    return host


def _host_allowed(domain: str, allowed_hosts: tuple[str, ...]) -> bool:
    for pattern in allowed_hosts:
        pattern = pattern.lower()
        if pattern == "*" or pattern == domain:
            return True
        if pattern.startswith(".") and (domain.endswith(pattern) or domain == pattern[1:]):
            return True
    return False


def request_scheme(request: Request) -> str:
    forwarded = request.environ.get("HTTP_X_FORWARDED_PROTO")
    if forwarded is not None:
        return "https" if forwarded.split(",", 1)[0].strip() == "https" else "http"
    return "http"


def _iri_to_uri(iri: str) -> str:
    return quote(iri, safe="/#%[]=:;$&()+,!?*@'~")


def absolute_uri(request: Request, host: str) -> str:
    """The request's own URL, absolute, as Django's request.build_absolute_uri() gives it."""
    path = quote(request.path, safe="/:@&+$,-_.!~*'()")
    # Django reads META["QUERY_STRING"] as WSGI hands it over (bytes as latin-1), not as UTF-8.
    query = request.environ.get("QUERY_STRING", "")
    full_path = path + (f"?{_iri_to_uri(query)}" if query else "")
    return _iri_to_uri(f"{request_scheme(request)}://{host}{full_path}")


def replace_query_param(url: str, key: str, value: Any) -> str:
    """Set one query parameter; DRF sorts the parameters while it is at it."""
    scheme, netloc, path, query, fragment = urlsplit(url)
    params = parse_qs(query, keep_blank_values=True)
    params[key] = [str(value)]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(params.items()), doseq=True), fragment))


def remove_query_param(url: str, key: str) -> str:
    scheme, netloc, path, query, fragment = urlsplit(url)
    params = parse_qs(query, keep_blank_values=True)
    params.pop(key, None)
    return urlunsplit((scheme, netloc, path, urlencode(sorted(params.items()), doseq=True), fragment))


def query_value(request: Request, name: str) -> str | None:
    """The last value of a query parameter, or None when it is absent."""
    values = request.args.getlist(name)
    return values[-1] if values else None


def _media_type(value: str) -> tuple[str, str, dict[str, str]]:
    full, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for part in rest.split(";") if rest else []:
        name, _, param = part.partition("=")
        if name.strip():
            params[name.strip().lower()] = param.strip().strip('"')
    main, _, sub = full.strip().lower().partition("/")
    return main, sub, params


def _matches_json(main: str, sub: str) -> bool:
    return main in ("application", "*") and sub in ("json", "*")


def check_acceptable(request: Request) -> None:
    """Refuse a request whose Accept header rules out JSON (DRF's content negotiation)."""
    wanted = request.args.getlist("format")
    if wanted and wanted[-1] and wanted[-1] != "json":
        raise NotFound("Not found.")
    header = request.headers.get("Accept", "*/*")
    tokens = [token.strip() for token in header.split(",") if token.strip()]
    if not any(_matches_json(*_media_type(token)[:2]) for token in tokens):
        raise NotAcceptable("Could not satisfy the request Accept header.")


def _strict_constant(value: str) -> Any:
    raise ValueError(f"Out of range float values are not JSON compliant: {value!r}")


def json_body(request: Request) -> Any:
    """The JSON body as DRF's JSONParser reads it: {} when there is none."""
    length = request.content_length or 0
    content_type = request.headers.get("Content-Type", "")
    if length == 0:
        return {}
    main, sub, params = _media_type(content_type)
    if len(content_type) > _MAX_MEDIA_TYPE_LENGTH or not _matches_json(main, sub):
        raise UnsupportedMediaType(f'Unsupported media type "{content_type}" in request.')
    encoding = params.get("charset", "utf-8")
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "utf-8"
    try:
        return json.loads(request.get_data(cache=True).decode(encoding),
                          parse_constant=_strict_constant)
    except ValueError as error:
        raise MalformedJson(f"JSON parse error - {error}") from None
