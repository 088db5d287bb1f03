"""Modes through a running proxy: flips applied live, sticky canaries, overrides, kill switch, shadow."""
from __future__ import annotations

import time

import jwt

from strangler_proxy.mirror import NullMirror
from strangler_proxy.routing.canary import in_canary
from strangler_proxy.routing.model import Mode, RouteState
from strangler_proxy.routing.overrides import override_token_create
from tests.helpers import wait_for
from tests.strangler_proxy.conftest import ADMIN_TOKEN

PATH = "/api/v1/catalog/products/"
JWT_SECRET = "a-test-jwt-secret-of-at-least-32-bytes"


def flip(store, route_id: str, mode: Mode, percent_bp: int = 0) -> int:
    return store.set_route_state(route_id=route_id, state=RouteState(mode, percent_bp),
                                 default=RouteState(Mode.MONOLITH), actor="test", reason="test").version


def bearer(sub: str) -> dict[str, str]:
    token = jwt.encode({"sub": sub, "exp": int(time.time()) + 600, "iss": "strangler-monolith"},
                       JWT_SECRET, algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


def test_a_flip_in_the_store_is_applied_without_a_restart(make_proxy) -> None:
    proxy = make_proxy(catalog_mode="monolith")
    assert proxy.get(PATH).header("X-Strangler-Backend") == "monolith"
    version = flip(proxy.store, "catalog-read", Mode.EXTRACTED)
    wait_for(lambda: proxy.get(PATH).header("X-Strangler-Table-Version") == str(version))
    reply = proxy.get(PATH)
    assert reply.header("X-Strangler-Backend") == "catalog" and reply.json()["backend"] == "catalog"


def test_canary_users_are_split_by_their_bucket_and_stay_put(make_proxy) -> None:
    proxy = make_proxy(catalog_mode="monolith", jwt_secret=JWT_SECRET)
    version = flip(proxy.store, "catalog-read", Mode.CANARY, 3000)
    wait_for(lambda: proxy.get(PATH).header("X-Strangler-Table-Version") == str(version))
    for n in range(40):
        expected = "catalog" if in_canary("catalog-read", f"user:{n}", 3000) else "monolith"
        for _ in range(2):
            assert proxy.get(PATH, bearer(str(n))).header("X-Strangler-Backend") == expected


def test_raising_the_canary_never_moves_a_migrated_user_back(make_proxy) -> None:
    proxy = make_proxy(catalog_mode="monolith", jwt_secret=JWT_SECRET)
    migrated: set[int] = set()
    for percent_bp in (500, 2000, 5000, 9000):
        version = flip(proxy.store, "catalog-read", Mode.CANARY, percent_bp)
        wait_for(lambda v=version: proxy.get(PATH).header("X-Strangler-Table-Version") == str(v))
        now = {n for n in range(60) if proxy.get(PATH, bearer(str(n))).header("X-Strangler-Backend") == "catalog"}
        assert migrated <= now
        migrated = now
    assert 0 < len(migrated) < 60


def test_an_anonymous_user_gets_a_sticky_cookie_that_keeps_the_bucket(make_proxy) -> None:
    proxy = make_proxy(catalog_mode="monolith")
    version = flip(proxy.store, "catalog-read", Mode.CANARY, 5000)
    wait_for(lambda: proxy.get(PATH).header("X-Strangler-Table-Version") == str(version))
    first = proxy.get(PATH)
    cookie = first.header("Set-Cookie")
    assert cookie and cookie.startswith("strangler_uid=") and "HttpOnly" in cookie
    pinned = cookie.split(";", 1)[0]
    for _ in range(5):
        again = proxy.get(PATH, {"Cookie": pinned})
        assert again.header("X-Strangler-Backend") == first.header("X-Strangler-Backend")
        assert again.header("Set-Cookie") is None


def test_a_signed_override_forces_the_extracted_backend_and_is_not_forwarded(make_proxy, backends) -> None:
    proxy = make_proxy(catalog_mode="monolith")
    token = override_token_create(secret=ADMIN_TOKEN, target="extracted", ttl_seconds=60)
    reply = proxy.get(PATH, {"X-Strangler-Override": token})
    assert reply.header("X-Strangler-Backend") == "catalog"
    assert "X-Strangler-Override" not in backends["catalog"].hits[-1].headers
    assert proxy.get(PATH, {"Cookie": f"strangler_override={token}"}).header("X-Strangler-Backend") == "catalog"
    assert "strangler_override" not in backends["catalog"].hits[-1].headers.get("Cookie", "")


def test_an_unsigned_or_foreign_override_is_ignored(make_proxy) -> None:
    proxy = make_proxy(catalog_mode="monolith")
    foreign = override_token_create(secret="not-the-admin-secret", target="extracted", ttl_seconds=60)
    for token in ("extracted", foreign):
        assert proxy.get(PATH, {"X-Strangler-Override": token}).header("X-Strangler-Backend") == "monolith"


def test_overrides_are_off_when_no_admin_secret_is_configured(make_proxy) -> None:
    proxy = make_proxy(catalog_mode="monolith", admin_token=None)
    from strangler_proxy.config import ProxySettings

    token = override_token_create(secret=ProxySettings().signing_secret, target="extracted", ttl_seconds=60)
    assert proxy.get(PATH, {"X-Strangler-Override": token}).header("X-Strangler-Backend") == "monolith"


def test_the_kill_switch_sends_everything_to_the_monolith_at_once(make_proxy) -> None:
    proxy = make_proxy(catalog_mode="extracted")
    flip(proxy.store, "catalog-write", Mode.RETIRED)
    version = proxy.store.set_kill_switch(on=True, actor="test", reason="incident").version
    wait_for(lambda: proxy.get(PATH).header("X-Strangler-Table-Version") == str(version))
    assert proxy.get(PATH).header("X-Strangler-Backend") == "monolith"
    assert proxy.request("POST", PATH, body=b"{}").header("X-Strangler-Backend") == "monolith"
    version = proxy.store.set_kill_switch(on=False, actor="test", reason="fixed").version
    wait_for(lambda: proxy.get(PATH).header("X-Strangler-Table-Version") == str(version))
    assert proxy.get(PATH).header("X-Strangler-Backend") == "catalog"
    assert proxy.request("POST", PATH, body=b"{}").status == 410


class RecordingMirror(NullMirror):
    def __init__(self) -> None:
        self.calls = []

    def submit(self, route, request, primary) -> None:
        self.calls.append((route, request, primary))


def test_shadow_mode_serves_the_monolith_and_hands_the_exchange_to_the_mirror_hook(make_proxy, backends) -> None:
    mirror = RecordingMirror()
    proxy = make_proxy(catalog_mode="shadow", mirror=mirror)
    reply = proxy.get(PATH + "?page=2", {"X-Request-ID": "shadow-1"})
    assert reply.status == 200 and reply.header("X-Strangler-Backend") == "monolith"
    wait_for(lambda: mirror.calls)
    route, request, primary = mirror.calls[0]
    assert route.id == "catalog-read"
    assert (request.method, request.path_qs, request.request_id) == ("GET", PATH + "?page=2", "shadow-1")
    assert request.body == b"" and not request.body_truncated
    assert primary.status == 200 and primary.body == reply.body
    assert backends["catalog"].hits == []


def test_the_default_mirror_replays_safe_requests_to_the_extracted_backend(make_proxy, backends) -> None:
    proxy = make_proxy(catalog_mode="shadow")
    reply = proxy.get(PATH, {"X-Request-ID": "mirror-me"})
    assert reply.header("X-Strangler-Backend") == "monolith"
    [mirrored] = wait_for(lambda: backends["catalog"].hits)
    assert mirrored.headers["X-Strangler-Shadow"] == "1" and mirrored.headers["X-Request-ID"] == "mirror-me"
    proxy.request("POST", PATH, body=b"{}")

    def mirrored_metrics() -> str | None:
        text = proxy.get("/metrics").body.decode()
        return text if 'strangler_mirror_total{outcome="skipped",route="catalog-write"}' in text else None

    metrics = wait_for(mirrored_metrics)
    assert 'strangler_mirror_total{outcome="sent",route="catalog-read"} 1.0' in metrics
    assert len(backends["catalog"].hits) == 1


def test_a_proxy_started_while_its_store_is_down_serves_the_route_files_modes(make_proxy) -> None:
    from strangler_proxy.store.redis import RedisStore

    down = "redis://127.0.0.1:1/0"
    proxy = make_proxy(catalog_mode="extracted", store=RedisStore(down), store_url=down)
    reply = proxy.get(PATH)
    assert reply.status == 200 and reply.header("X-Strangler-Backend") == "catalog"
    assert reply.header("X-Strangler-Table-Version") == "0"
    assert proxy.admin("GET", "routes").status == 503
