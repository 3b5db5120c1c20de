"""Guessing the admin's password in a browser meets the API login's limit (AUTH_THROTTLE_RATE,
10 a minute by default): the 11th try is a 429 page, the right password included, until the
window has passed."""

import time

import pytest

from procurement.core.throttling import AuthRateThrottle
from tests.support.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def submit_login(page, email: str, password: str):
    """Post the admin's login form; the response of that post."""
    page.goto("/admin/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    with page.expect_navigation() as navigation:
        page.click("input[type=submit]")
    return navigation.value


def test_the_eleventh_password_in_a_minute_gets_the_429_page(page, monkeypatch):
    staff = UserFactory(is_staff=True, is_superuser=True, email="staff@example.com")

    for attempt in range(10):
        response = submit_login(page, staff.email, f"guess-{attempt}")
        assert response.status == 200
        assert page.locator(".errornote").is_visible()

    refused = submit_login(page, staff.email, "guess-10")
    assert refused.status == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "Too many login attempts from your address" in page.inner_text("#throttled")

    refused = submit_login(page, staff.email, DEFAULT_PASSWORD)
    assert refused.status == 429
    assert page.locator("#throttled").is_visible()
    assert page.goto("/admin/").url.endswith("/admin/login/?next=/admin/")  # not logged in

    # A minute later the window has passed.
    monkeypatch.setattr(AuthRateThrottle, "timer", staticmethod(lambda: time.time() + 61))
    submit_login(page, staff.email, DEFAULT_PASSWORD)
    page.wait_for_selector("#site-name")
    assert page.url.endswith("/admin/")
