"""Bearer-token check for the admin API, in constant time."""
from __future__ import annotations

import hmac

__all__ = ["bearer_token_matches"]


def bearer_token_matches(authorization: str | None, expected: str | None) -> bool:
    """Whether `Authorization: Bearer <token>` carries the expected token (never true without one)."""
    if not expected or not authorization:
        return False
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(token.strip().encode(), expected.encode())
