"""Redaction: secrets never reach a kept example or a HAR file, whatever shape they come in."""
from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from strangler_proxy.shadow.redact import (
    REDACTED,
    is_secret_name,
    redact_body,
    redact_difference,
    redact_headers,
    redact_path,
)

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk"


def test_credential_headers_are_redacted_and_others_kept() -> None:
    headers = redact_headers([("Authorization", "Bearer abc"), ("Cookie", "sessionid=1"), ("Set-Cookie", "a=b"),
                              ("X-Api-Key", "k"), ("X-Auth-Token", "t"), ("Accept", "application/json"),
                              ("X-Trace", f"user token {JWT}")])
    assert headers == [("Authorization", REDACTED), ("Cookie", REDACTED), ("Set-Cookie", REDACTED),
                       ("X-Api-Key", REDACTED), ("X-Auth-Token", REDACTED), ("Accept", "application/json"),
                       ("X-Trace", f"user token {REDACTED}")]


def test_secret_query_parameters_are_redacted() -> None:
    assert redact_path("/login?next=/a&password=hunter2&access_token=x") == \
        f"/login?next=%2Fa&password=%5BREDACTED%5D&access_token=%5BREDACTED%5D"
    assert redact_path("/products/?page=2") == "/products/?page=2"


def test_password_like_json_fields_are_redacted_at_any_depth() -> None:
    body = json.dumps({"email": "a@b.c", "password": "hunter2", "profile": {"new_password": "x", "api_key": "k"},
                       "grants": [{"access": JWT, "refresh": "r"}], "note": f"see {JWT}"}).encode()
    redacted = json.loads(redact_body(body, "application/json; charset=utf-8"))
    assert redacted == {"email": "a@b.c", "password": REDACTED,
                        "profile": {"new_password": REDACTED, "api_key": REDACTED},
                        "grants": [{"access": REDACTED, "refresh": REDACTED}], "note": f"see {REDACTED}"}


def test_form_bodies_and_plain_text_are_redacted_too() -> None:
    assert redact_body(b"username=ann&password=hunter2", "application/x-www-form-urlencoded") == \
        b"username=ann&password=%5BREDACTED%5D"
    assert redact_body(f"Authorization: Bearer {JWT}".encode(), "text/plain") == \
        f"Authorization: Bearer {REDACTED}".encode()
    assert redact_body(b"\xff\xfe binary", "application/octet-stream") == b"\xff\xfe binary"


def test_a_difference_in_a_secret_field_hides_both_sides() -> None:
    difference = {"kind": "value_changed", "path": "/access", "normalised_path": "/access",
                  "primary": "tok-a", "candidate": "tok-b", "detail": ""}
    assert redact_difference(difference)["primary"] == REDACTED
    assert redact_difference({"kind": "header", "path": "set-cookie", "primary": "a=1", "candidate": None,
                              "detail": ""})["candidate"] is None


def test_names_are_judged_as_words_not_as_any_substring() -> None:
    assert all(map(is_secret_name, ["password", "Password2", "user_pass", "userPin", "X-CSRF-Token", "client_secret", "pin"]))
    assert not any(map(is_secret_name, ["footprint", "shipping", "description", "spinner", "passenger_count"]))


secrets = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=12, max_size=30)
names = st.sampled_from(["password", "secret", "token", "api_key", "access", "refresh", "Authorization"])
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                       max_size=3), max_leaves=10)


@settings(deadline=None)  # a shared machine: no per-example time limit
@given(document=json_values, name=names, secret=secrets, path=st.lists(st.text(min_size=1, max_size=6), max_size=3))
def test_a_secret_under_a_password_like_name_never_survives_redaction(document, name, secret, path) -> None:
    holder = {name: secret}
    for key in reversed(path):
        holder = {key: holder, "other": document}
    body = json.dumps(holder).encode()
    assert secret.encode() not in redact_body(body, "application/json")
