"""QA overrides: a signed, expiring token that forces a request to one side.

An override is honoured only when it carries a valid signature made with the admin secret
and has not expired; anything else (unsigned, tampered, expired, wrong secret) is ignored
and the request is routed as usual. The token travels in the `X-Strangler-Override`
header or the `strangler_override` cookie, and is never forwarded to a backend.
"""
from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

__all__ = [
    "MAX_TTL_SECONDS",
    "OVERRIDE_COOKIE",
    "OVERRIDE_HEADER",
    "TARGETS",
    "Override",
    "override_read",
    "override_token_create",
]

OVERRIDE_HEADER = "X-Strangler-Override"
OVERRIDE_COOKIE = "strangler_override"
TARGETS = ("monolith", "extracted")
MAX_TTL_SECONDS = 7 * 24 * 3600
_SALT = "strangler-override"


@dataclass(frozen=True, slots=True)
class Override:
    """A verified override: the side to use, for which routes (None: all), until when."""

    target: str
    routes: frozenset[str] | None
    expires_at: int

    def applies_to(self, route_id: str) -> bool:
        """Whether the override covers this route."""
        return self.routes is None or route_id in self.routes


def override_token_create(
    *,
    secret: str,
    target: str,
    ttl_seconds: int,
    routes: Iterable[str] | None = None,
    now: float | None = None,
) -> str:
    """Return a token forcing `target` ("monolith" or "extracted") for `ttl_seconds`."""
    if target not in TARGETS:
        raise ValueError(f"target must be one of {', '.join(TARGETS)}, got {target!r}")
    if not 0 < ttl_seconds <= MAX_TTL_SECONDS:
        raise ValueError(f"ttl must be between 1 and {MAX_TTL_SECONDS} seconds, got {ttl_seconds}")
    issued = time.time() if now is None else now
    payload = {"t": target, "r": sorted(routes) if routes else None, "exp": int(issued + ttl_seconds)}
    return URLSafeSerializer(secret, salt=_SALT).dumps(payload)


def override_read(token: str | None, *, secret: str, now: float | None = None) -> Override | None:
    """Return the override a token grants, or None if it is missing, forged or expired."""
    if not token or len(token) > 4096:
        return None
    try:
        payload = URLSafeSerializer(secret, salt=_SALT).loads(token)
    except BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    target, routes, expires = payload.get("t"), payload.get("r"), payload.get("exp")
    if target not in TARGETS or not isinstance(expires, int):
        return None
    if expires <= (time.time() if now is None else now):
        return None
    if routes is not None and not (isinstance(routes, list) and all(isinstance(r, str) for r in routes)):
        return None
    return Override(target, frozenset(routes) if routes is not None else None, expires)
