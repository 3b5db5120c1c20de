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
