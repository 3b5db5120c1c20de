"""Swagger UI in Chromium: the token entered under "Authorize" survives a reload, and
everything the page loads comes from the service itself."""

import pytest
from playwright.sync_api import expect

from procurement.accounts.tokens import issue_api_token
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

DETAILS = '.opblock-get:has(.opblock-summary-path[data-path="/api/v1/user/details"])'


def call_user_details(page) -> str:
    """Run GET /api/v1/user/details from Swagger UI; the status of its answer."""
    operation = page.locator(DETAILS)
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status").first
    status.wait_for()
    return status.inner_text().strip()


def test_swagger_ui_keeps_the_authorization_across_a_reload(page, live_server):
    buyer = UserFactory(email="swagger@example.com")
    token = issue_api_token(user=buyer)
    elsewhere: list[str] = []
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((live_server.url, "data:", "blob:"))
            else elsewhere.append(request.url)
        ),
    )

    page.goto("/api/docs/")
    page.wait_for_selector(".opblock", timeout=30_000)
    page.click(".auth-wrapper button.authorize")
    page.fill(".modal-ux input", f"Token {token}")
    page.click(".modal-ux .auth-btn-wrapper button.authorize")
    page.click(".modal-ux .auth-btn-wrapper button.btn-done")

    page.reload()
    page.wait_for_selector(".opblock", timeout=30_000)

    expect(page.locator(".auth-wrapper button.authorize.locked")).to_have_count(1)
    assert call_user_details(page) == "200"
    assert elsewhere == [], "Swagger UI loads nothing from outside the service"
