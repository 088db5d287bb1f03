"""Signed access tokens (JWT, HS256) that other services verify without calling us.

Claims: `sub` (user id as a string), `email`, `staff`, `iat`, `exp`, `iss`.
"""
from __future__ import annotations

import datetime as dt

import jwt
from django.conf import settings

__all__ = ["InvalidToken", "token_issue", "token_verify"]

ALGORITHM = "HS256"


class InvalidToken(Exception):
    """The token is malformed, expired, or signed with another key."""


def token_issue(*, user) -> str:
    config = settings.STRANGLER
    now = dt.datetime.now(dt.timezone.utc)
    claims = {
        "sub": str(user.pk),
        "email": user.email,
        "staff": bool(user.is_staff),
        "iat": now,
        "exp": now + dt.timedelta(seconds=config["JWT_LIFETIME_SECONDS"]),
        "iss": config["JWT_ISSUER"],
    }
    return jwt.encode(claims, config["JWT_SECRET"], algorithm=ALGORITHM)


def token_verify(token: str) -> dict:
    config = settings.STRANGLER
    try:
        return jwt.decode(
            token,
            config["JWT_SECRET"],
            algorithms=[ALGORITHM],
            issuer=config["JWT_ISSUER"],
            options={"require": ["sub", "exp", "iss"]},
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(str(error)) from error
