"""Whatever a person types into a form or a query string, the answer is a page with a 4xx
(or the page itself), never a 500."""

import pytest

from procurement.orders.models import OrderItem
from tests.support.factories import DEFAULT_PASSWORD, OfferFactory, UserFactory

pytestmark = pytest.mark.django_db

NUL = "a\x00b"


@pytest.mark.parametrize(
    "query",
    [
        {"search": NUL},
        {"shop_id": NUL},
        {"ordering": NUL},
        {"page": NUL},
        {"price_max": "1e400"},
        {"price_min": "NaN"},
        {"category_id": "١٢"},  # digits of another script
    ],
)
def test_the_catalog_never_answers_500(client, query):
    OfferFactory()
    assert client.get("/", query).status_code in (200, 400)


def test_too_many_query_fields_is_a_400_page(client):
    response = client.get("/?" + "&".join(f"f{n}=1" for n in range(1500)))
    assert response.status_code == 400
    assert b"<!doctype html>" in response.content


@pytest.mark.parametrize(
    "target", [NUL, "//evil.example.com/", "https:///evil.example.com", "\\\\evil"]
)
def test_log_in_with_a_hostile_next_goes_home(client, target):
    user = UserFactory()
    response = client.post(
        "/account/login/", {"email": user.email, "password": DEFAULT_PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize(
    "data",
    [
        {"email": NUL, "password": "x"},
        {"email": "a" * 10_000, "password": "x"},
        {"email": "a@example.com", "password": "x" * 10_000},
    ],
)
def test_hostile_log_in_forms_are_a_400(client, data):
    assert client.post("/account/login/", data).status_code == 400


@pytest.mark.parametrize(
    "query",
    [{"email": NUL, "token": "x"}, {"email": "a@example.com", "token": "x" * 1000}, {}],
)
def test_hostile_confirmation_links_are_a_400(client, query):
    assert client.get("/account/confirm/", query).status_code == 400
    assert client.post("/account/confirm/", query).status_code == 400


def test_a_basket_form_with_a_thousand_lines_changes_nothing(buyer_web, buyer):
    offer = OfferFactory(quantity=5)
    buyer_web.post("/basket/add/", {"offer": offer.pk, "quantity": 1})
    data = {f"quantity-{n}": "1" for n in range(1, 1200)}
    response = buyer_web.post("/basket/change/", data)
    assert response.status_code == 400
    assert list(OrderItem.objects.values_list("quantity", flat=True)) == [1]


@pytest.mark.parametrize("key", [NUL, "-1", str(2**64), "1.0"])
def test_hostile_line_ids_change_nothing(buyer_web, buyer, key):
    offer = OfferFactory(quantity=5)
    buyer_web.post("/basket/add/", {"offer": offer.pk, "quantity": 1})
    assert buyer_web.post("/basket/change/", {f"quantity-{key}": "2"}).status_code == 400
    assert buyer_web.post("/basket/change/", {"remove": key}).status_code == 400
    assert list(OrderItem.objects.values_list("quantity", flat=True)) == [1]


@pytest.mark.parametrize("number", [NUL, "١٢", "0", "-1", str(10**40), "999999", "2"])
def test_any_page_of_a_filtered_catalog_is_a_page(client, number):
    OfferFactory(product__name="Лампа")
    response = client.get("/", {"search": "лампа", "page": number})
    assert response.status_code == 200
    assert "Лампа" in response.content.decode()


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/supplier/name/", {"name": NUL}),
        ("/supplier/source/", {"url": f"https://example.com/{NUL}", "every": "daily"}),
        ("/supplier/source/", {"url": "https://example.com/a", "every": NUL}),
    ],
)
def test_hostile_shop_forms_are_a_400_and_change_nothing(client, path, data):
    from procurement.catalog.models import Shop
    from procurement.pricelists.models import PriceListSource
    from tests.support.factories import ShopFactory, SupplierFactory

    supplier = SupplierFactory()
    ShopFactory(user=supplier, name="Имя")
    client.force_login(supplier)
    assert client.post(path, data).status_code == 400
    assert Shop.objects.get(user=supplier).name == "Имя"
    assert not PriceListSource.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"line": "LINE", "quantity": "1", "reason": NUL},
        {"line": NUL, "quantity": "1", "reason": "x"},
        {"line": "LINE", "quantity": str(10**40), "reason": "x"},
        {"state": NUL},
    ],
)
def test_hostile_part_forms_are_a_400_and_change_nothing(client, data):
    from procurement.orders.models import OrderPart, ShortDelivery
    from tests.support.factories import ContactFactory, ShopFactory, SupplierFactory
    from tests.support.orders import place

    supplier = SupplierFactory()
    offer = OfferFactory(shop=ShopFactory(user=supplier), quantity=5)
    contact = ContactFactory()
    order = place(contact.user, contact, (offer, 2))
    line = OrderItem.objects.get(order=order)
    client.force_login(supplier)
    path = "state" if "state" in data else "short-delivery"
    data = {key: str(line.pk) if value == "LINE" else value for key, value in data.items()}
    assert client.post(f"/supplier/orders/{order.pk}/{path}/", data).status_code == 400
    line.refresh_from_db()
    assert line.quantity == 2 and not ShortDelivery.objects.exists()
    assert OrderPart.objects.get(order=order).state == "new"
