import pytest

from procurement.orders.models import Order
from tests.support.factories import DEFAULT_PASSWORD, ContactFactory, OfferFactory, UserFactory
from tests.support.orders import place

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
    order = place(contact.user, contact, (OfferFactory(quantity=5), 2))
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


def test_staff_imports_a_price_list_from_the_admin_and_sees_the_job_done(page, tmp_path):
    from procurement.pricelists.models import ImportJob
    from tests.support.factories import SupplierFactory
    from tests.support.pricelists import shop1_bytes

    staff = UserFactory(is_staff=True, is_superuser=True)
    supplier = SupplierFactory(email="svyaznoy@example.com")
    price_list = tmp_path / "shop1.yaml"
    price_list.write_bytes(shop1_bytes())

    log_in_to_admin(page, staff)
    page.goto("/admin/pricelists/importjob/")
    page.click("text=Import a price list")
    page.select_option("#id_supplier", label="svyaznoy@example.com")
    page.set_input_files("#id_file", str(price_list))
    page.click("input[name=_import]")

    page.wait_for_selector("div.field-state")
    assert "done" in page.inner_text("div.field-state")
    assert "14" in page.inner_text("div.field-created")
    job = ImportJob.objects.get()
    assert page.url.endswith(f"/admin/pricelists/importjob/{job.pk}/change/")
    assert job.supplier == supplier
