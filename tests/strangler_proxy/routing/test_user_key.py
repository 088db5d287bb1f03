"""The user key for canary buckets: a verified JWT subject, else the signed cookie, else the address."""
from __future__ import annotations

import time

import jwt

from strangler_proxy.routing.user_key import STICKY_COOKIE, UserKeyResolver

JWT_SECRET = "a-test-jwt-secret-of-at-least-32-bytes"


def resolver() -> UserKeyResolver:
    return UserKeyResolver(jwt_secret=JWT_SECRET, jwt_issuer="strangler-monolith", cookie_secret="cookie-secret")


def token(sub: str, *, secret: str = JWT_SECRET, exp_in: int = 600, iss: str = "strangler-monolith") -> str:
    return jwt.encode({"sub": sub, "exp": int(time.time()) + exp_in, "iss": iss}, secret, algorithm="HS256")


def test_a_valid_token_gives_the_users_subject() -> None:
    key = resolver().resolve(authorization=f"Bearer {token('42')}", cookie=None, client="10.0.0.1")
    assert key.value == "user:42" and key.set_cookie is None


def test_a_forged_expired_or_foreign_token_is_never_trusted() -> None:
    for bad in (token("42", secret="forged-secret-also-at-least-32-bytes-long"), token("42", exp_in=-10), token("42", iss="elsewhere"),
                jwt.encode({"sub": "42"}, JWT_SECRET, algorithm="HS256"), "not-a-jwt"):
        key = resolver().resolve(authorization=f"Bearer {bad}", cookie=None, client="10.0.0.1")
        assert not key.value.startswith("user:")


def test_without_a_token_the_address_is_used_and_pinned_in_a_signed_cookie() -> None:
    first = resolver().resolve(authorization=None, cookie=None, client="10.0.0.1")
    assert first.value.startswith("anon:") and first.set_cookie is not None
    header = first.cookie_header(secure=True)
    assert header is not None and header.startswith(f"{STICKY_COOKIE}=") and "HttpOnly" in header
    assert "Secure" in header
    later = resolver().resolve(authorization=None, cookie=first.set_cookie, client="192.168.1.9")
    assert later.value == first.value and later.set_cookie is None


def test_a_tampered_cookie_is_ignored() -> None:
    first = resolver().resolve(authorization=None, cookie=None, client="10.0.0.1")
    forged = "anon:someone-else." + first.set_cookie.rsplit(".", 1)[1]
    key = resolver().resolve(authorization=None, cookie=forged, client="10.0.0.1")
    assert key.value == first.value


def test_different_addresses_get_different_keys() -> None:
    a = resolver().resolve(authorization=None, cookie=None, client="10.0.0.1")
    b = resolver().resolve(authorization=None, cookie=None, client="10.0.0.2")
    assert a.value != b.value
