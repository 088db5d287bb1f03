"""HAR 1.2 files (http://www.softwareishard.com/blog/har-12-spec/): written with `harfile`, read and checked here.

What is written is already redacted (see recorder.py). Reading keeps what a replay needs
(method, path and query, headers, body, and the host: the Host header, else HTTP/2's
:authority, else the URL's, unless it is a placeholder under .invalid) and refuses a
malformed file whole, naming the first bad place, e.g. ``x.har: log.entries[3].request.url: missing``.
"""
from __future__ import annotations

import base64
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import harfile

from strangler_proxy.replay.errors import InputFileError
from strangler_proxy.replay.model import ReplayRequest
from strangler_proxy.routing.table import KNOWN_METHODS

__all__ = ["HarEntry", "read_har", "write_har"]

_CREATOR = harfile.Creator(name="strangler", version="1")
# Set again by whoever sends the request; a recorded copy would be wrong or harmful.
_NOT_REPLAYED = frozenset({"host", "content-length", "transfer-encoding", "connection", "keep-alive", "te",
                           "trailer", "upgrade", "proxy-connection", "expect"})
_MAX_FILE_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class HarEntry:
    """One recorded exchange, already redacted."""

    started: datetime
    method: str
    url: str
    request_headers: Sequence[tuple[str, str]]
    request_body: bytes | None
    status: int
    response_headers: Sequence[tuple[str, str]]
    response_body: bytes | None
    elapsed_ms: float
    comment: str = ""


def write_har(path: Path, entries: Sequence[HarEntry]) -> None:
    """Write a HAR file atomically: a reader sees the whole file or none of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out, harfile.open(out, creator=_CREATOR) as har:
            for entry in entries:
                har.add_entry(startedDateTime=entry.started, time=round(entry.elapsed_ms, 3),
                              request=_request(entry), response=_response(entry),
                              timings=harfile.Timings(send=0, wait=round(entry.elapsed_ms, 3), receive=0),
                              comment=entry.comment or None)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _content_type(headers: Sequence[tuple[str, str]]) -> str:
    return next((value for name, value in headers if name.lower() == "content-type"), "")


def _request(entry: HarEntry) -> harfile.Request:
    parts = urlsplit(entry.url)
    query = [harfile.Record(name=k, value=v) for k, _, v in
             (pair.partition("=") for pair in parts.query.split("&") if pair)]
    post = None
    if entry.request_body:
        post = harfile.PostData(mimeType=_content_type(entry.request_headers) or "application/octet-stream",
                                text=entry.request_body.decode("utf-8", "replace"))
    return harfile.Request(method=entry.method, url=entry.url, httpVersion="HTTP/1.1",
                           headers=[harfile.Record(name=n, value=v) for n, v in entry.request_headers],
                           queryString=query, postData=post,
                           bodySize=len(entry.request_body) if entry.request_body is not None else 0)


def _response(entry: HarEntry) -> harfile.Response:
    body = entry.response_body
    mime = _content_type(entry.response_headers)
    if body is None:
        content = harfile.Content(size=-1, mimeType=mime, comment="not kept: larger than the capture limit")
    else:
        try:
            content = harfile.Content(size=len(body), mimeType=mime, text=body.decode("utf-8"))
        except UnicodeDecodeError:
            content = harfile.Content(size=len(body), mimeType=mime, text=base64.b64encode(body).decode("ascii"),
                                      encoding="base64")
    return harfile.Response(status=entry.status, statusText="", httpVersion="HTTP/1.1",
                            headers=[harfile.Record(name=n, value=v) for n, v in entry.response_headers],
                            content=content, bodySize=len(body) if body is not None else -1)


def read_har(path: Path | str) -> list[ReplayRequest]:
    """Return the requests of a HAR file; raise InputFileError naming the first problem."""
    source = str(path)
    try:
        if Path(path).stat().st_size > _MAX_FILE_BYTES:
            raise InputFileError(source, "", f"larger than {_MAX_FILE_BYTES // (1024 * 1024)} MiB")
        raw = Path(path).read_bytes()
    except OSError as error:
        raise InputFileError(source, "", f"cannot read: {error.strerror}") from None
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise InputFileError(source, "", f"not a HAR file: not valid JSON ({error})") from None
    log = _get(document, "log", dict, source, "")
    version = log.get("version")
    if version is not None and not isinstance(version, str):
        raise InputFileError(source, "log.version", "must be a string such as \"1.2\"")
    entries = _get(log, "entries", list, source, "log")
    return [_entry(item, source, f"log.entries[{index}]") for index, item in enumerate(entries)]


def _entry(item: Any, source: str, where: str) -> ReplayRequest:
    if not isinstance(item, dict):
        raise InputFileError(source, where, "must be an object")
    request = _get(item, "request", dict, source, where)
    where = f"{where}.request"
    method = _get(request, "method", str, source, where)
    if method.upper() not in KNOWN_METHODS:
        raise InputFileError(source, f"{where}.method", f"unknown method {method!r}")
    url = _get(request, "url", str, source, where)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "") or not (parts.path or "/").startswith("/"):
        raise InputFileError(source, f"{where}.url", f"must be an http(s) URL or a path, got {url[:100]!r}")
    path_qs = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = []
    host = authority = None
    for index, header in enumerate(_get(request, "headers", list, source, where, default=[])):
        at = f"{where}.headers[{index}]"
        if not isinstance(header, dict):
            raise InputFileError(source, at, "must be an object with name and value")
        name = _get(header, "name", str, source, at)
        value = _get(header, "value", str, source, at)
        lower = name.lower()
        if lower == "host" and host is None:
            host = value.strip()
        elif lower == ":authority" and authority is None:
            authority = value.strip()
        if name.startswith(":") or lower in _NOT_REPLAYED:
            continue  # HTTP/2 pseudo-headers and hop-by-hop headers are the sender's business
        headers.append((name, value))
    host = host or authority or parts.netloc.rpartition("@")[2]  # never a URL's user:password
    if host and (host.rsplit(":", 1)[0].endswith(".invalid") or any(c in host for c in "\r\n /")):
        host = None  # a recorder's placeholder, or nothing a Host header could carry
    body = None
    post = request.get("postData")
    if post is not None:
        if not isinstance(post, dict):
            raise InputFileError(source, f"{where}.postData", "must be an object")
        text = post.get("text")
        if text is not None and not isinstance(text, str):
            raise InputFileError(source, f"{where}.postData.text", "must be a string")
        body = text.encode("utf-8") if text else None
    comment = item.get("comment") if isinstance(item.get("comment"), str) else ""
    return ReplayRequest(method.upper(), path_qs, tuple(headers), body,
                         f"{source}:{where}{' ' + comment if comment else ''}", host or None)


def _get(container: Any, key: str, kind: type, source: str, where: str, *, default: Any = None) -> Any:
    label = f"{where}.{key}" if where else key
    if not isinstance(container, dict):
        raise InputFileError(source, where or "(top level)", "must be an object")
    if key not in container:
        if default is not None:
            return default
        raise InputFileError(source, label, "missing" if where else "missing: not a HAR file")
    value = container[key]
    if not isinstance(value, kind):
        names = {dict: "an object", list: "a list", str: "a string"}
        raise InputFileError(source, label, f"must be {names.get(kind, kind.__name__)}")
    return value
