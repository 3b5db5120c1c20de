"""The web pages in Chromium: the buyer's whole way from sign-up to the order, and the
supplier's, each page checked by axe-core and the main ones saved as screenshots for the
README."""

import os
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from procurement.catalog.models import Offer, Shop
from procurement.orders.models import Order
from tests.support.factories import (
    DEFAULT_PASSWORD,
    ContactFactory,
    OfferFactory,
    OfferParameterFactory,
    ProductFactory,
    ShopFactory,
    SupplierFactory,
)
from tests.support.orders import place
from tests.support.pricelists import as_yaml, shop1_bytes, shop1_document

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 375, "height": 740}
PASSWORD = "Vesna-2026-sad"


def accessible(page) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    results = Axe().run(page)
    violations = [
        f"{each['id']} ({each['impact']}): {[node['target'] for node in each['nodes']]}"
        for each in results.response["violations"]
        if each["impact"] in ("serious", "critical")
    ]
    assert violations == [], f"{page.url}: {violations}"


@pytest.fixture
def shots(tmp_path):
    """Where the screenshots go: docs/screenshots (the README's) with UPDATE_SCREENSHOTS=1,
    else a temporary folder, so that a test run leaves the repository as it was."""
    return SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path


def shot(page, name: str, *, save: bool, folder: Path) -> None:
    if save:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
        assert (folder / f"{name}.png").stat().st_size > 0


def link_in(message, path: str) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(rf"https?://\S+{re.escape(path)}\S*", body)
    assert match, body
    return match.group(0)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_buyer_signs_up_orders_from_two_shops_and_finds_the_order(
    page, live_server, smtp_server, settings, viewport, shots
):
    if viewport == "phone":
        page.set_viewport_size(PHONE)
    save = viewport == "desktop"
    settings.SITE_URL = live_server.url
    product = ProductFactory(name="Смартфон Apple iPhone XS Max")
    svyaznoy, mvideo = ShopFactory(name="Связной"), ShopFactory(name="М.Видео")
    first = OfferFactory(
        product=product, shop=svyaznoy, price=110000, quantity=14, model="apple/iphone/xs-max"
    )
    second = OfferFactory(
        product=product, shop=mvideo, price=109000, quantity=3, model="iphone-xs-max"
    )
    OfferParameterFactory(offer=first, parameter__name="Цвет", value="золотистый")
    OfferFactory(shop=mvideo, price=2490, quantity=40, product__name="Чайник Bosch")

    page.goto("/account/register/")
    accessible(page)
    page.get_by_label("First name").fill("Анна")
    page.get_by_label("Last name").fill("Смирнова")
    page.get_by_label("Email").fill("anna@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Account type").select_option("buyer")
    shot(page, "sign-up", save=save, folder=shots)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/account/register/sent/")
    accessible(page)

    link = link_in(smtp_server.wait_for(1)[0], "/account/confirm/")
    assert link.startswith(live_server.url)
    page.goto(link)
    accessible(page)
    page.get_by_role("button", name="Confirm my email").click()
    page.wait_for_url("**/account/login/")
    accessible(page)
    page.get_by_label("Email").fill("anna@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/")

    page.get_by_label("Search").fill("iphone")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**search=iphone**")
    accessible(page)
    shot(page, "catalog", save=save, folder=shots)
    page.get_by_role("link", name="Смартфон Apple iPhone XS Max").first.click()
    page.wait_for_url(f"**/products/{product.pk}/")
    accessible(page)
    shot(page, "product", save=save, folder=shots)
    page.get_by_label(f"Quantity of {first.shop.name}").fill("2")
    page.locator("form.add").filter(
        has=page.get_by_label(f"Quantity of {first.shop.name}")
    ).get_by_role("button").click()
    page.wait_for_url(f"**/products/{product.pk}/")
    page.locator("form.add").filter(
        has=page.get_by_label(f"Quantity of {second.shop.name}")
    ).get_by_role("button").click()
    page.wait_for_url(f"**/products/{product.pk}/")

    page.get_by_role("link", name="Basket").click()
    page.wait_for_url("**/basket/")
    accessible(page)
    shot(page, "basket", save=save, folder=shots)
    assert "329000.00" in page.inner_text("main")  # 2 × 110000 + 109000
    page.get_by_role("link", name="Checkout").click()
    page.wait_for_url("**/checkout/")
    accessible(page)
    page.get_by_label("city").fill("Москва")
    page.get_by_label("street").fill("Тверская")
    page.get_by_label("house").fill("1")
    page.get_by_label("phone").fill("+79000000000")
    page.get_by_role("button", name="Add the contact").click()
    page.wait_for_url("**/checkout/")
    shot(page, "checkout", save=save, folder=shots)
    page.get_by_role("button", name="Confirm the order").click()
    page.wait_for_url(re.compile(r".*/orders/\d+/$"))
    order = Order.placed.get(user__email="anna@example.com")
    assert f"your order {order.pk} is placed" in page.inner_text(".messages")
    accessible(page)
    shot(page, "order", save=save, folder=shots)

    emails = smtp_server.wait_for(5)  # the confirmation, and three invoices
    confirmation = next(m for m in emails if m["To"] == "anna@example.com" and m is not emails[0])
    assert link_in(confirmation, f"/orders/{order.pk}/").startswith(live_server.url)

    page.get_by_role("link", name="Orders").click()
    page.wait_for_url("**/orders/")
    accessible(page)
    page.get_by_role("link", name=f"Order {order.pk}").click()
    page.wait_for_url(f"**/orders/{order.pk}/")
    assert "new" in page.inner_text("#order-state")
    assert sorted(order.ordered_items.values_list("quantity", flat=True)) == [1, 2]

    # Each supplier's part, and the buyer cancels one while it is new.
    parts = page.locator("section.card").filter(has=page.locator(".part-state"))
    assert parts.count() == 2
    page.get_by_role("button", name="Cancel the part of М.Видео").click()
    page.wait_for_selector("text=The part of М.Видео is canceled.")
    accessible(page)
    states = dict(order.parts.values_list("shop_name", "state"))
    assert states == {"Связной": "new", "М.Видео": "canceled"}
    assert Offer.objects.get(pk=second.pk).quantity == 3  # its stock is back
    assert "canceled" in parts.filter(has_text="М.Видео").inner_text()


def test_a_supplier_uploads_switches_intake_and_sees_its_orders(page, tmp_path, shots):
    supplier = SupplierFactory(email="svyaznoy@example.com")
    price_list = tmp_path / "shop1.yaml"
    price_list.write_bytes(shop1_bytes())

    page.goto("/account/login/")
    accessible(page)
    page.get_by_label("Email").fill(supplier.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/supplier/")
    accessible(page)

    page.get_by_role("link", name="Upload a price list").click()
    page.wait_for_url("**/supplier/upload/")
    accessible(page)
    page.get_by_label("Price list file").set_input_files(str(price_list))
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(re.compile(r".*/supplier/imports/\d+/$"))
    page.wait_for_function("document.querySelector('#job-state').textContent.trim() === 'done'")
    assert page.inner_text("#job-created") == "14"
    accessible(page)
    shot(page, "supplier-import", save=True, folder=shots)

    # A preview of a changed list, then applying the very file previewed.
    document = shop1_document()
    document["goods"][0]["price"] = 99999.9
    changed = tmp_path / "shop1-changed.yaml"
    changed.write_bytes(as_yaml(document))
    page.get_by_role("link", name="Back to my shop").click()
    page.get_by_role("link", name="Upload a price list").click()
    page.get_by_label("Price list file").set_input_files(str(changed))
    page.get_by_label("Preview only").check()
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(re.compile(r".*/supplier/imports/\d+/$"))
    page.wait_for_function("document.querySelector('#job-state').textContent.trim() === 'done'")
    assert page.inner_text("#job-updated") == "1"
    assert "110000.00 → 99999.90" in page.inner_text("#job-changes")
    first = Offer.objects.get(shop__user=supplier, external_id=document["goods"][0]["id"])
    assert str(first.price) == "110000.00"  # a preview writes nothing
    accessible(page)
    shot(page, "supplier-preview", save=True, folder=shots)
    page.get_by_role("button", name="Apply this price list").click()
    page.wait_for_function(
        "document.querySelector('h1').textContent.startsWith('Import') &&"
        " document.querySelector('#job-state').textContent.trim() === 'done'"
    )
    assert page.inner_text("#job-updated") == "1"
    first.refresh_from_db()
    assert str(first.price) == "99999.90"

    page.get_by_role("link", name="Back to my shop").click()
    page.get_by_role("button", name="Stop taking orders").click()
    page.wait_for_selector("text=Your shop does not accept orders now.")
    assert not Shop.objects.get(user=supplier).accepts_orders
    page.get_by_role("button", name="Take orders").click()
    page.wait_for_selector("#intake-state >> text=Your shop accepts orders.")
    assert Shop.objects.get(user=supplier).accepts_orders
    accessible(page)
    shot(page, "supplier-dashboard", save=True, folder=shots)

    shop = Shop.objects.get(user=supplier)
    contact = ContactFactory()
    offer = shop.offers.filter(quantity__gte=2).order_by("id").first()
    order = place(contact.user, contact, (offer, 2), (OfferFactory(quantity=5), 1))
    page.get_by_role("link", name="Orders holding your goods").click()
    page.wait_for_url("**/supplier/orders/")
    assert f"Order {order.pk}" in page.inner_text("main")
    assert page.locator("section.card tbody tr").count() == 1
    accessible(page)
    shot(page, "supplier-orders", save=True, folder=shots)

    # Its order's page: confirm its part, then deliver one unit less, with the reason.
    page.get_by_role("link", name=f"Order {order.pk}").click()
    page.wait_for_url(f"**/supplier/orders/{order.pk}/")
    accessible(page)
    page.get_by_role("button", name="Mark as confirmed").click()
    page.wait_for_selector("text=Your part is now confirmed.")
    assert order.parts.get(shop=shop).state == "confirmed"
    line = order.ordered_items.get(offer=offer)
    page.get_by_label("Line").select_option(str(line.pk))
    page.get_by_label("New quantity").fill("1")
    page.get_by_label("Reason").fill("Одна коробка повреждена")
    page.get_by_role("button", name="Lower the line").click()
    page.wait_for_selector("text=The line is lowered; the buyer is told why.")
    line.refresh_from_db()
    assert line.quantity == 1
    assert "Одна коробка повреждена" in page.inner_text("main")
    accessible(page)
    shot(page, "supplier-order", save=True, folder=shots)
