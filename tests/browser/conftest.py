"""Headless Chromium (the system's, never a downloaded one) driven by Playwright."""

import os

import pytest
from django.db import connections

from tests.support.binaries import require_binary, which

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    return require_binary(which("chromium") or which("chromium-browser"), "chromium")


@pytest.fixture
def page(chromium_path, live_server, monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests
    # make between browser steps are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_FLAGS
        )
        context = browser.new_context(base_url=live_server.url, locale="en-US")
        context.set_default_timeout(20_000)
        page = context.new_page()
        yield page
        # Inside Playwright's context the ORM has its own connections (another context
        # of Django's connection-local storage): close them here, where they are seen.
        connections.close_all()
        context.close()
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
