"""Fixtures for the dashboard: Debian's chromium driven by Playwright (never a downloaded browser)."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The chromium binary; the test fails (never skips) without one."""
    found = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    if not found:
        pytest.fail("the dashboard's browser test needs Debian's chromium at /usr/bin/chromium: run scripts/setup "
                    "(it runs apt-get install chromium as root or with sudo)", pytrace=False)
    return found


@pytest.fixture
def browser(chromium_path: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    """A fresh browser tab; a script error on the page fails the test."""
    from playwright.sync_api import expect

    # Polls, not timings: the page refreshes every few seconds on a shared, busy machine.
    expect.set_options(timeout=20_000)
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_default_timeout(20_000)
    yield page
    context.close()
    assert errors == [], f"script errors on the page: {errors}"
