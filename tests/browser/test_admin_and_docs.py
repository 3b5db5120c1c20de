import pytest

from procurement.orders.models import Order
from tests.catalog.factories import ProductInfoFactory
from tests.factories import DEFAULT_PASSWORD, ContactFactory, UserFactory
from tests.orders.conftest import place

pytestmark = pytest.mark.django_db(transaction=True)


def log_in_to_admin(page, staff):
    page.goto("/admin/login/")
    page.fill("#id_username", staff.email)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")


def test_staff_changes_an_order_state_and_the_buyer_gets_the_email(page, smtp_server):
    staff = UserFactory(is_staff=True, is_superuser=True, email="staff@example.com")
    contact = ContactFactory(user=UserFactory(email="buyer@example.com"))
    order = place(contact.user, contact, (ProductInfoFactory(quantity=5), 2))
    smtp_server.wait_for(3)  # the placement's own emails
    already = len(smtp_server.messages)

    log_in_to_admin(page, staff)
    page.goto(f"/admin/orders/order/{order.pk}/change/")
    page.select_option("#id_new_state", "confirmed")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")

    assert Order.objects.get(pk=order.pk).state == "confirmed"
    messages = smtp_server.wait_for(already + 1)
    assert messages[-1]["To"] == "buyer@example.com"
    assert "confirmed" in messages[-1]["Subject"]
    page.goto(f"/admin/orders/order/{order.pk}/change/")
    assert "confirmed" in page.inner_text("#history-group")


def test_swagger_ui_renders_the_operations(page):
    page.goto("/api/docs/")
    page.wait_for_selector(".opblock", timeout=30_000)
    summaries = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/user/login" in summaries
    assert "/api/v1/basket" in summaries
