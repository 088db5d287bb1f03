"""The README's main command: the whole stack behind the proxy, used as a new user would."""
import os
import signal

import httpx

from tests.helpers import wait_for


def test_a_new_user_signs_up_and_orders_through_the_proxy_and_gets_coupon_and_messages(stack):
    client = httpx.Client(base_url=stack.proxy, timeout=10)

    signed_up = client.post("/api/v1/accounts/signup/",
                            json={"email": "newbie@example.com", "password": "correct-horse-9", "name": "Newbie"})
    token = client.post("/api/v1/accounts/login/",
                        json={"email": "newbie@example.com", "password": "correct-horse-9"}).json()["access"]
    client.headers["Authorization"] = f"Bearer {token}"
    product = next(p for p in client.get("/api/v1/catalog/products/").json()["results"] if p["stock"] > 0)
    coupons = wait_for(lambda: client.get("/api/v1/coupons/").json()["results"], timeout=60)
    order = client.post("/api/v1/orders/", json={"items": [{"product_id": product["id"], "quantity": 1}],
                                                  "coupon_code": coupons[0]["code"]})
    messages = wait_for(lambda: (r := client.get("/api/v1/notifications/").json()["results"])
                        and len(r) == 2 and r, timeout=60)

    assert signed_up.status_code == 201, signed_up.text
    assert signed_up.headers["X-Strangler-Backend"] == "monolith"
    assert order.status_code == 201, order.text
    assert order.json()["discount"] != "0.00"
    assert sorted(m["kind"] for m in messages) == ["order_confirmation", "welcome"]


def test_a_flip_from_the_cli_shows_in_the_next_response_and_ctrl_c_stops_everything(stack):
    path = "/api/v1/catalog/products/?page_size=1"
    before = httpx.get(stack.proxy + path, timeout=10)
    # The catalog service is backfilled in the background once it answers.
    wait_for(lambda: httpx.get(stack.proxy.rsplit(":", 1)[0] + ":" + stack.env["CATALOG_PORT"] + path,
                               timeout=5).json().get("count") == before.json()["count"], timeout=90)

    flipped = stack.cli("flip", "catalog-products-read", "canary", "--percent", "100", "--reason", "e2e")
    after = wait_for(lambda: (r := httpx.get(stack.proxy + path, timeout=10))
                     .headers["X-Strangler-Backend"] != "monolith" and r, timeout=5)

    assert before.headers["X-Strangler-Backend"] == "monolith"
    assert flipped.returncode == 0, flipped.stderr
    assert after.headers["X-Strangler-Backend"] == "catalog"
    assert after.json()["results"] == before.json()["results"]

    os.killpg(stack.process.pid, signal.SIGINT)
    assert stack.process.wait(timeout=30) is not None
    for port in ("STRANGLER_PROXY_PORT", "MONOLITH_PORT", "CATALOG_PORT", "NOTIFICATIONS_PORT"):
        try:
            httpx.get(f"http://127.0.0.1:{stack.env[port]}/healthz", timeout=1)
            raise AssertionError(f"something still answers on {port} after Ctrl-C")
        except httpx.ConnectError:
            pass
