"""Checking the monolith's access tokens locally (HS256, shared secret).

The monolith also looks the user up in its database; a service cannot, so it
trusts the signed claims: `sub` (user id) and `staff`. Other services (the
monolith's stock client, the data migration commands) call internal endpoints
with a short-lived token carrying `scope: internal`, signed with the same secret.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import jwt

from extracted.common.errors import InvalidToken, NotAuthenticated, PermissionDenied

__all__ = ["INTERNAL_SCOPE", "Principal", "TokenVerifier", "internal_token"]

ALGORITHM = "HS256"
INTERNAL_SCOPE = "internal"


@dataclass(frozen=True)
class Principal:
    """Who is calling, as the token says."""

    user_id: int
    staff: bool


def internal_token(*, secret: str, issuer: str, subject: str, lifetime_seconds: int = 300) -> str:
    """A short-lived token for service-to-service calls to internal endpoints."""
    now = dt.datetime.now(dt.timezone.utc)
    claims = {"sub": subject, "scope": INTERNAL_SCOPE, "iat": now, "iss": issuer,
              "exp": now + dt.timedelta(seconds=lifetime_seconds)}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


class TokenVerifier:
    """Reads `Authorization: Bearer <token>` as the monolith's JWTAuthentication does."""

    keyword = "Bearer"

    def __init__(self, *, secret: str, issuer: str):
        self._secret = secret
        self._issuer = issuer

    def _claims(self, header: str) -> dict | None:
        if not header:
            return None
        parts = header.split()
        if len(parts) != 2 or parts[0] != self.keyword:
            raise InvalidToken("Use 'Authorization: Bearer <token>'.")
        try:
            return jwt.decode(parts[1], self._secret, algorithms=[ALGORITHM], issuer=self._issuer,
                              options={"require": ["sub", "exp", "iss"]})
        except jwt.PyJWTError:
            raise InvalidToken("The access token is invalid or expired.") from None

    def user(self, header: str) -> Principal | None:
        """The signed-in user, None when anonymous; InvalidToken for a bad token."""
        claims = self._claims(header)
        if claims is None:
            return None
        subject = str(claims["sub"])
        if claims.get("scope") == INTERNAL_SCOPE or not subject.isdigit():
            raise InvalidToken("The access token is invalid or expired.")
        return Principal(user_id=int(subject), staff=bool(claims.get("staff", False)))

    def internal(self, header: str) -> str:
        """The calling service's name; refuse anything but an internal token."""
        claims = self._claims(header)
        if claims is None:
            raise NotAuthenticated()
        if claims.get("scope") != INTERNAL_SCOPE:
            raise PermissionDenied("Only other services may call this endpoint.")
        return str(claims["sub"])
