"""Notifications move to their service: copy, verify, then one switch makes the service the only writer."""
from __future__ import annotations

from click.testing import CliRunner

from strangler_proxy.cli import main as strangler
from tests.helpers import wait_for
from tests.migration.conftest import login

N = "/api/v1/notifications/"
MONOLITH_NOTIFICATION_QUEUES = "sub.notifications.welcome,sub.notifications.order_confirmation,sub.coupons.welcome"


def _data(stack, *args: str):
    return CliRunner().invoke(strangler, ["data", *args, "notifications", "--monolith-database-url",
                                          stack.monolith_db, "--service-url", stack.notifications_url])


def _sign_up(http, stack, email: str) -> dict[str, str]:
    response = http.post(f"{stack.monolith_url}/api/v1/accounts/signup/",
                         json={"email": email, "password": "demo-password-1", "name": email.split("@")[0]})
    assert response.status_code == 201, response.text
    return login(http, stack, email)


def _messages(http, base: str, user: dict[str, str]) -> list[dict]:
    return http.get(f"{base}{N}?page_size=100", headers=user).json()["results"]


def test_notifications_move_with_their_messages_and_never_have_two_writers(stack, http):
    stack.manage("seed_shop", "--products", "20", "--users", "2", "--orders", "0")
    stack.start_monolith()
    stack.start_monolith_worker(MONOLITH_NOTIFICATION_QUEUES)
    stack.start_notifications()
    m, s = stack.monolith_url, stack.notifications_url

    # Before the move the monolith writes every message.
    ada = _sign_up(http, stack, "ada@example.com")
    for _ in range(2):
        http.post(f"{m}/api/v1/orders/", headers=ada, json={"items": [{"product_id": 3, "quantity": 1}]})
    wait_for(lambda: len(_messages(http, m, ada)) == 3, timeout=30)
    first = _messages(http, m, ada)[-1]
    http.post(f"{m}{N}{first['id']}/read/", headers=ada).raise_for_status()

    # Copy and check: the gate before the switch.
    assert _data(stack, "backfill", "--quiet").exit_code == 0
    checked = _data(stack, "verify")
    assert checked.exit_code == 0, checked.output

    # The switch: the monolith routes the events to the service, and stops writing.
    stack.stop("monolith")
    stack.stop("monolith-relay")
    stack.start_monolith(STRANGLER_NOTIFICATIONS_WRITER="service")
    assert _data(stack, "backfill", "--quiet").exit_code == 0  # catch-up: nothing new since
    assert _messages(http, s, ada) == _messages(http, m, ada)

    grace = _sign_up(http, stack, "grace@example.com")
    http.post(f"{m}/api/v1/orders/", headers=ada, json={"items": [{"product_id": 3, "quantity": 1}]})
    wait_for(lambda: len(_messages(http, s, grace)) == 1 and len(_messages(http, s, ada)) == 4, timeout=30)

    assert _messages(http, m, grace) == [] and len(_messages(http, m, ada)) == 3
    assert [x["read_at"] is not None for x in _messages(http, s, ada)] == [False, False, False, True]
    newest = _messages(http, s, ada)[0]
    assert newest["title"].endswith("confirmed")
    assert http.post(f"{s}{N}{newest['id']}/read/", headers=ada).json()["read_at"] is not None
