"""A plain list of requests for a quick check without recorded traffic.

One request per line; blank lines and lines starting with ``#`` are skipped:

    /api/v1/catalog/products/                       GET is the default
    GET /api/v1/catalog/products/?page=2
    HEAD /api/v1/catalog/products/1/
    {"method": "POST", "path": "/api/v1/catalog/products/", "headers": {"Content-Type": "application/json"},
     "body": {"name": "Lamp"}}                       (one line: a JSON object; `body` a string or JSON)
    {"path": "/api/v1/catalog/products/", "headers": {"Host": "shop.example.com"}}
                                                     a Host header is the host both sides get

A bad line refuses the whole file, naming it: ``requests.txt:3: unknown method 'GTE'``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from strangler_proxy.replay.errors import InputFileError
from strangler_proxy.replay.model import ReplayRequest
from strangler_proxy.routing.table import KNOWN_METHODS

__all__ = ["read_requests"]

_MAX_FILE_BYTES = 64 * 1024 * 1024
_JSON_KEYS = {"method", "path", "headers", "body"}


def read_requests(path: Path | str) -> list[ReplayRequest]:
    """Return the requests of a file; raise InputFileError naming the first bad line."""
    source = str(path)
    try:
        if Path(path).stat().st_size > _MAX_FILE_BYTES:
            raise InputFileError(source, "", f"larger than {_MAX_FILE_BYTES // (1024 * 1024)} MiB")
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise InputFileError(source, "", f"cannot read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise InputFileError(source, "", "not UTF-8 text") from None
    requests = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"line {number}"
        requests.append(_json_line(line, source, where) if line.startswith("{") else _text_line(line, source, where))
    if not requests:
        raise InputFileError(source, "", "no requests in the file")
    return requests


def _text_line(line: str, source: str, where: str) -> ReplayRequest:
    parts = line.split()
    if len(parts) == 1:
        method, target = "GET", parts[0]
    elif len(parts) == 2:
        method, target = parts
    else:
        raise InputFileError(source, where, "expected `METHOD /path` or `/path`")
    return ReplayRequest(_method(method, source, where), _path(target, source, where), (), None, f"{source}:{where}")


def _json_line(line: str, source: str, where: str) -> ReplayRequest:
    try:
        data = json.loads(line)
    except (ValueError, RecursionError) as error:
        raise InputFileError(source, where, f"not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise InputFileError(source, where, "must be a JSON object")
    unknown = sorted(set(data) - _JSON_KEYS)
    if unknown:
        raise InputFileError(source, where, f"unknown key {unknown[0]!r} (expected method, path, headers, body)")
    method = data.get("method", "GET")
    if not isinstance(method, str):
        raise InputFileError(source, where, "'method' must be a string")
    target = data.get("path")
    if not isinstance(target, str):
        raise InputFileError(source, where, "'path' is required and must be a string")
    headers = _headers(data.get("headers", {}), source, where)
    hosts = [value.strip() for name, value in headers if name.lower() == "host"]
    headers = [(name, value) for name, value in headers if name.lower() != "host"]
    if hosts and (not hosts[0] or any(c in hosts[0] for c in " /")):
        raise InputFileError(source, where, f"header 'Host' must be a host[:port], got {hosts[0]!r}")
    body = data.get("body")
    payload: bytes | None
    if body is None:
        payload = None
    elif isinstance(body, str):
        payload = body.encode("utf-8")
    else:
        payload = json.dumps(body).encode("utf-8")
        if not any(name.lower() == "content-type" for name, _ in headers):
            headers.append(("Content-Type", "application/json"))
    return ReplayRequest(_method(method, source, where), _path(target, source, where), tuple(headers), payload,
                         f"{source}:{where}", hosts[0] if hosts else None)


def _headers(raw: Any, source: str, where: str) -> list[tuple[str, str]]:
    pairs = raw.items() if isinstance(raw, dict) else raw if isinstance(raw, list) else None
    if pairs is None:
        raise InputFileError(source, where, "'headers' must be an object or a list of [name, value]")
    headers = []
    for pair in pairs:
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
            raise InputFileError(source, where, "each header must be a name and a string value")
        if any(c in pair[0] + pair[1] for c in "\r\n") or not pair[0]:
            raise InputFileError(source, where, f"header {pair[0]!r} is not a valid header")
        headers.append((pair[0], pair[1]))
    return headers


def _method(method: str, source: str, where: str) -> str:
    if method.upper() not in KNOWN_METHODS:
        raise InputFileError(source, where, f"unknown method {method!r}")
    return method.upper()


def _path(target: str, source: str, where: str) -> str:
    if not target.startswith("/") or any(c in target for c in " \r\n\t"):
        raise InputFileError(source, where, f"the path must start with '/' and hold no spaces, got {target[:100]!r}")
    return target
