"""Who the user is, for sticky canary buckets.

In order: the `sub` of a valid monolith JWT (signature, expiry and issuer verified, never an
unverified claim); else the proxy's own signed cookie; else the client address, which the
proxy then pins in a new signed cookie so the user keeps the same bucket if the address
changes.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import jwt
from itsdangerous import BadSignature, Signer

__all__ = ["STICKY_COOKIE", "UserKey", "UserKeyResolver"]

STICKY_COOKIE = "strangler_uid"
_COOKIE_MAX_AGE = 365 * 24 * 3600


@dataclass(frozen=True, slots=True)
class UserKey:
    """The key for canary buckets and, when the proxy must set it, the cookie value."""

    value: str
    set_cookie: str | None = None

    def cookie_header(self, *, secure: bool) -> str | None:
        """Return the Set-Cookie value pinning this key, if one is needed."""
        if self.set_cookie is None:
            return None
        flags = "; Secure" if secure else ""
        return f"{STICKY_COOKIE}={self.set_cookie}; Max-Age={_COOKIE_MAX_AGE}; Path=/; HttpOnly; SameSite=Lax{flags}"


class UserKeyResolver:
    """Derive a user's key from the request's token, cookie or address."""

    def __init__(self, *, jwt_secret: str, jwt_issuer: str | None, cookie_secret: str) -> None:
        self._jwt_secret = jwt_secret
        self._jwt_issuer = jwt_issuer
        self._signer = Signer(cookie_secret, salt="strangler-sticky")

    def resolve(self, *, authorization: str | None, cookie: str | None, client: str) -> UserKey:
        """Return the user's key; `cookie` is the raw sticky cookie value, `client` the client address."""
        subject = self._subject(authorization)
        if subject is not None:
            return UserKey(f"user:{subject}")
        if cookie:
            try:
                return UserKey(self._signer.unsign(cookie).decode("ascii"))
            except (BadSignature, UnicodeDecodeError):
                pass
        anonymous = "anon:" + hashlib.sha256(client.encode()).hexdigest()[:20]
        return UserKey(anonymous, set_cookie=self._signer.sign(anonymous).decode("ascii"))

    def _subject(self, authorization: str | None) -> str | None:
        if not authorization or not authorization[:7].lower() == "bearer ":
            return None
        token = authorization[7:].strip()
        options = {"require": ["exp", "sub"]}
        try:
            claims = jwt.decode(token, self._jwt_secret, algorithms=["HS256"],
                                issuer=self._jwt_issuer, options=options)
        except jwt.InvalidTokenError:
            return None
        subject = claims.get("sub")
        return str(subject) if subject not in (None, "") else None
