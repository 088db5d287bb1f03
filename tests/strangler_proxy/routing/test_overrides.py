"""QA override tokens: honoured only when signed with the admin secret and not expired."""
from __future__ import annotations

import json
from base64 import urlsafe_b64encode

import pytest

from strangler_proxy.routing.overrides import override_read, override_token_create

SECRET = "admin-secret"


def test_a_signed_token_forces_its_target_until_it_expires() -> None:
    token = override_token_create(secret=SECRET, target="extracted", ttl_seconds=60, now=1_000)
    override = override_read(token, secret=SECRET, now=1_030)
    assert override is not None and override.target == "extracted" and override.applies_to("any-route")
    assert override_read(token, secret=SECRET, now=1_061) is None


def test_a_token_can_be_limited_to_some_routes() -> None:
    token = override_token_create(secret=SECRET, target="monolith", ttl_seconds=60, routes=["a", "b"])
    override = override_read(token, secret=SECRET)
    assert override is not None and override.applies_to("a") and not override.applies_to("c")


def test_a_token_signed_with_another_secret_is_ignored() -> None:
    token = override_token_create(secret="someone-else", target="extracted", ttl_seconds=60)
    assert override_read(token, secret=SECRET) is None


def test_an_unsigned_or_tampered_token_is_ignored() -> None:
    unsigned = urlsafe_b64encode(json.dumps({"t": "extracted", "exp": 2**40}).encode()).decode()
    assert override_read(unsigned, secret=SECRET) is None
    assert override_read("extracted", secret=SECRET) is None
    token = override_token_create(secret=SECRET, target="monolith", ttl_seconds=60)
    payload, signature = token.rsplit(".", 1)
    forged = urlsafe_b64encode(json.dumps({"t": "extracted", "r": None, "exp": 2**40}).encode()).decode().rstrip("=")
    assert override_read(f"{forged}.{signature}", secret=SECRET) is None
    assert override_read(None, secret=SECRET) is None


@pytest.mark.parametrize(("target", "ttl"), [("catalog", 60), ("extracted", 0), ("extracted", 10**9)])
def test_bad_token_requests_are_refused(target: str, ttl: int) -> None:
    with pytest.raises(ValueError):
        override_token_create(secret=SECRET, target=target, ttl_seconds=ttl)
