"""Take secrets out of what is kept: mismatch samples, HAR recordings.

Redacted are: credential headers (Authorization, Cookie, Set-Cookie, API keys...), query
parameters and JSON or form fields with a password-like name, and anything shaped like a
JWT or a bearer token wherever it appears. A redacted value becomes ``[REDACTED]``; the
name stays, so a reader still sees that a secret was there.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode

__all__ = ["REDACTED", "is_secret_name", "redact_body", "redact_difference", "redact_headers", "redact_path",
           "redact_text"]

REDACTED = "[REDACTED]"
_SECRET_PARTS = ("password", "passwd", "passphrase", "secret", "token", "apikey", "authorization",
                 "credential", "privatekey", "cookie", "sessionid", "cardnumber", "cvv", "signature")
_SECRET_NAMES = frozenset({"pass", "pwd", "pin", "otp", "access", "refresh", "auth", "session", "ssn",
                           "jwt", "sig"})
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie",
                             "x-strangler-override"})
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_BEARER = re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/-]{8,}=*")
_MAX_DEPTH = 200


def is_secret_name(name: str) -> bool:
    """Whether a header, parameter or field name looks like it holds a secret.

    Short names (`pass`, `pin`, `access`) must be whole words, so `user_pass` and `userPin` are
    secrets and `passenger` or `shipping` are not; longer ones (`password`, `token`) may be anywhere.
    """
    words = re.findall(r"[a-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower())
    squeezed = "".join(words)
    return any(word in _SECRET_NAMES for word in words) or any(part in squeezed for part in _SECRET_PARTS)


def redact_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Return the headers with credential values replaced."""
    return [(name, REDACTED if name.lower() in _SECRET_HEADERS or is_secret_name(name) else redact_text(value))
            for name, value in headers]


def redact_path(path_qs: str) -> str:
    """Return the path with secret query parameters replaced."""
    path, sep, query = path_qs.partition("?")
    if not sep or not query:
        return path_qs
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(is_secret_name(k) or _JWT.search(v) for k, v in pairs):
        return path_qs
    return path + "?" + urlencode([(k, REDACTED if is_secret_name(k) else redact_text(v)) for k, v in pairs])


def redact_text(text: str) -> str:
    """Replace JWTs and bearer tokens inside free text."""
    if "eyJ" in text:
        text = _JWT.sub(REDACTED, text)
    if " " in text:
        text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    return text


def redact_body(body: bytes, content_type: str | None) -> bytes:
    """Return the body with secret fields replaced (JSON and form bodies by field, others as text)."""
    if not body:
        return body
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            pass
        else:
            return json.dumps(_redact_json(document, 0), ensure_ascii=False).encode()
    if media == "application/x-www-form-urlencoded":
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            return body
        return urlencode([(k, REDACTED if is_secret_name(k) else redact_text(v)) for k, v in pairs]).encode()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return body
    redacted = redact_text(text)
    return body if redacted == text else redacted.encode()


def redact_difference(data: dict[str, Any]) -> dict[str, Any]:
    """Redact a difference (`Difference.to_dict()`): both sides of a secret field, tokens anywhere."""
    last = str(data.get("path", "")).rsplit("/", 1)[-1]
    secret_header = data.get("kind") == "header" and str(data.get("path")) in _SECRET_HEADERS
    if is_secret_name(last) or secret_header:
        for side in ("primary", "candidate"):
            data[side] = REDACTED if data.get(side) is not None else None
    for side in ("primary", "candidate", "detail"):
        if isinstance(data.get(side), str):
            data[side] = redact_text(data[side])
    return data


def _redact_json(value: Any, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        return REDACTED  # deeper than anyone writes by hand: keep nothing rather than risk a secret
    if isinstance(value, dict):
        return {k: REDACTED if is_secret_name(k) and _value_is_set(v) else _redact_json(v, depth + 1)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_json(item, depth + 1) for item in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def _value_is_set(value: Any) -> bool:
    """Whether a secret-named field holds something (null and "" reveal nothing and stay)."""
    return value is not None and value != ""
