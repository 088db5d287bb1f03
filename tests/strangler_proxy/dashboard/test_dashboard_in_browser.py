"""The dashboard in a real headless chromium, in front of a real `strangler proxy` process and two stand-ins.

The monolith and the extracted catalog stand-ins answer with a body naming themselves.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.strangler_proxy.conftest import ADMIN_TOKEN, ProxyProcess, table_text

PRODUCTS = "/api/v1/catalog/products/"


@pytest.fixture
def proxy(proxy_process, backends) -> ProxyProcess:
    # One worker: the flip the page makes is applied by the worker that serves the next request.
    # The evidence gate is opened so a flip to `extracted` needs no shadow history here.
    return proxy_process(table_text(backends, catalog_mode="monolith"), workers=1,
                         extra_env={"STRANGLER_DASHBOARD_SAMPLE_SECONDS": "1", "STRANGLER_GATE_MIN_COMPARED": "0"})


def sign_in(page: Page, proxy: ProxyProcess, token: str = ADMIN_TOKEN, actor: str = "browser-test") -> None:
    page.goto(f"http://127.0.0.1:{proxy.port}/_strangler/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Admin token").fill(token)
    page.get_by_label("Your name, for the audit log").fill(actor)
    page.get_by_role("button", name="Open the dashboard").click()


def route_cell(page: Page, route: str, field: str):
    return page.locator(f'#routes tr[data-route="{route}"] [data-field="{field}"]')


def test_the_page_shows_live_traffic_and_a_flip_from_it_moves_the_next_request(page: Page, proxy: ProxyProcess,
                                                                              backends, tmp_path: Path):
    sign_in(page, proxy)
    expect(route_cell(page, "catalog-read", "mode")).to_have_text("monolith")
    expect(page.locator('#backends tr[data-backend="catalog"] [data-field="instances"]')).to_contain_text(
        "circuit closed")
    before = int(route_cell(page, "catalog-read", "requests").inner_text().replace(",", ""))

    # Live numbers move while the page is open.
    for _ in range(7):
        reply = proxy.request("GET", PRODUCTS)
        assert reply.header("X-Strangler-Backend") == "monolith"
    expect(route_cell(page, "catalog-read", "requests")).to_have_text(str(before + 7))
    expect(route_cell(page, "catalog-read", "split")).to_contain_text("monolith 100%")
    page.wait_for_selector("#chart-traffic svg polygon", state="attached")  # the samples reached the chart
    page.screenshot(path=str(tmp_path / "dashboard-before-flip.png"), full_page=True)

    # A flip the route table does not allow is refused, and the dialog says why.
    page.locator('#routes tr[data-route="catalog-read"] button[data-action="flip"]').click()
    dialog = page.locator("#flip-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("New mode").select_option("canary")
    dialog.get_by_label("Canary percentage (0 to 100)").fill("150")
    dialog.get_by_label("Reason, for the audit log").fill("more than everyone")
    dialog.get_by_role("button", name="Flip route").click()
    expect(page.locator("#flip-error")).to_contain_text("Not flipped: percent")
    expect(route_cell(page, "catalog-read", "mode")).to_have_text("monolith")

    # Flip from the page: choose, give a reason, confirm.
    dialog.get_by_label("New mode").select_option("extracted")
    expect(page.locator("#flip-effect")).to_contain_text("All traffic of catalog-read goes to catalog")
    dialog.get_by_label("Reason, for the audit log").fill("catalog reads move to the extracted service")
    dialog.get_by_role("button", name="Flip route").click()
    expect(page.locator("#toast")).to_contain_text("Route catalog-read is now extracted")
    expect(dialog).to_be_hidden()
    expect(route_cell(page, "catalog-read", "mode")).to_have_text("extracted")

    # The very next proxied request is answered by the extracted stand-in.
    reply = proxy.request("GET", PRODUCTS)
    assert reply.header("X-Strangler-Backend") == "catalog"
    assert json.loads(reply.body)["backend"] == "catalog"

    newest = page.locator("#history tbody tr").first
    expect(newest).to_contain_text("api:browser-test")
    expect(newest).to_contain_text("monolith → extracted")
    expect(newest).to_contain_text("catalog reads move to the extracted service")
    expect(page.locator('#backends tr[data-backend="catalog"] [data-field="requests"]')).to_have_text("1")
    page.screenshot(path=str(tmp_path / "dashboard-after-flip.png"), full_page=True)

    # The kill switch, from the page too: everything goes back to the monolith at once.
    page.get_by_role("button", name="change…").click()
    kill = page.locator("#kill-dialog")
    kill.get_by_label("Reason, for the audit log").fill("incident drill")
    kill.get_by_role("button", name="Turn it on").click()
    expect(page.locator("#st-kill")).to_contain_text("ON")
    assert proxy.request("GET", PRODUCTS).header("X-Strangler-Backend") == "monolith"
    expect(page.locator("#history tbody tr").first).to_contain_text("off → on")


def test_a_wrong_token_shows_an_error_and_reveals_nothing(page: Page, proxy: ProxyProcess):
    sign_in(page, proxy, token="not-the-token")
    expect(page.locator("#signin-error")).to_contain_text("The proxy refused this admin token")
    expect(page.locator("#board")).to_be_hidden()
    assert page.locator("#routes tbody tr").count() == 0
    assert page.evaluate("sessionStorage.getItem('strangler.adminToken')") is None


def test_a_flip_without_the_token_is_refused(page: Page, proxy: ProxyProcess):
    body = json.dumps({"mode": "extracted", "reason": "no token"}).encode()
    flip = proxy.request("POST", "/_strangler/api/routes/catalog-read/flip", {"Content-Type": "application/json"},
                         body)
    assert flip.status == 401
    # From the page's own origin too, a request without the header is refused.
    sign_in(page, proxy)
    expect(route_cell(page, "catalog-read", "mode")).to_have_text("monolith")
    status = page.evaluate("""async () => (await fetch("api/routes/catalog-read/flip", {
        method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify({mode: "extracted", reason: "no token"})})).status""")
    assert status == 401
    assert proxy.request("GET", PRODUCTS).header("X-Strangler-Backend") == "monolith"
    # Forgetting the token closes the board and its flip controls.
    page.get_by_role("button", name="Forget token").click()
    expect(page.locator("#board")).to_be_hidden()
    assert page.evaluate("sessionStorage.getItem('strangler.adminToken')") is None


def test_the_token_stays_in_the_tab_and_never_goes_into_a_url(page: Page, proxy: ProxyProcess):
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    sign_in(page, proxy)
    expect(route_cell(page, "catalog-read", "mode")).to_have_text("monolith")
    page.reload()  # the tab remembers the token: no second sign-in
    expect(route_cell(page, "catalog-read", "mode")).to_have_text("monolith")
    expect(page.locator("#signin")).to_be_hidden()
    assert page.evaluate("sessionStorage.getItem('strangler.adminToken')") == ADMIN_TOKEN
    assert page.evaluate("localStorage.length") == 0
    assert page.context.cookies() == []
    assert urls and not [url for url in urls if ADMIN_TOKEN in url]


def test_shadow_mismatches_link_to_their_diff_report_and_gate_the_flip(page: Page, proxy_process, backends):
    proxy = proxy_process(table_text(backends, catalog_mode="shadow"), workers=1,
                          extra_env={"STRANGLER_DASHBOARD_SAMPLE_SECONDS": "1", "STRANGLER_SHADOW_FLUSH_SECONDS": "0.2",
                                     "STRANGLER_GATE_MIN_COMPARED": "1000", "STRANGLER_SHADOW_NOISE_PERCENT": "0"})
    sign_in(page, proxy)
    for _ in range(5):
        assert proxy.request("GET", PRODUCTS).header("X-Strangler-Backend") == "monolith"
    # The stand-ins name themselves, so every compared answer differs in /backend; without noise
    # probes nothing says that field is noise, so each one is a mismatch.
    row = page.locator('#shadow tr[data-route="catalog-read"]')
    expect(row.locator('[data-field="compared"]')).to_have_text("5")
    expect(row.locator('[data-field="mismatch"]')).to_have_text("100%")
    expect(row.locator('[data-field="gate"]')).to_contain_text("5 of 1,000 compared")
    page.wait_for_selector("#chart-mismatch svg path", state="attached")  # the sampled mismatch rate

    # The report needs the token: the page fetches it and opens it in a new tab.
    with page.expect_popup() as opened:
        row.get_by_role("button", name="Diff report of catalog-read").click()
    report = opened.value
    expect(report.get_by_role("heading", name="strangler: shadow comparison")).to_be_visible()
    expect(report.locator("body")).to_contain_text("/backend")
    assert ADMIN_TOKEN not in report.url
    report.close()

    # Too little evidence: the flip to extracted is refused until it is forced, and the log says so.
    page.locator('#routes tr[data-route="catalog-read"] button[data-action="flip"]').click()
    dialog = page.locator("#flip-dialog")
    dialog.get_by_label("New mode").select_option("extracted")
    dialog.get_by_label("Reason, for the audit log").fill("the catalog team checked the differences")
    dialog.get_by_role("button", name="Flip route").click()
    expect(page.locator("#flip-error")).to_contain_text("too little shadow evidence")
    dialog.get_by_label("Flip even if the shadow evidence gate refuses").check()
    dialog.get_by_role("button", name="Flip route").click()
    expect(page.locator("#toast")).to_contain_text("Route catalog-read is now extracted")
    assert proxy.request("GET", PRODUCTS).header("X-Strangler-Backend") == "catalog"
    expect(page.locator("#history tbody tr").first).to_contain_text("forced past the evidence gate")
