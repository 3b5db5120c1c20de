import pytest

from tests.support.clients import client_for
from tests.support.factories import UserFactory
from tests.support.orders import fill_basket, place

PARTNER_ORDERS = "/api/v1/partner/orders"

pytestmark = pytest.mark.django_db


def test_supplier_sees_only_its_own_lines_and_their_sum(buyer, contact, offer, other_offer):
    order = place(buyer, contact, (offer, 2), (other_offer, 1))
    fill_basket(UserFactory(), (offer, 5))  # a basket is never shown

    response = client_for(offer.shop.user).get(PARTNER_ORDERS)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    (row,) = body["results"]
    assert row["id"] == order.id
    assert row["state"] == "new"
    assert row["total_sum"] == "130000.00"
    assert [line["product_info"]["id"] for line in row["ordered_items"]] == [offer.id]
    assert row["contact"]["street"] == "Tverskaya"

    other = client_for(other_offer.shop.user).get(PARTNER_ORDERS).json()["results"][0]
    assert other["total_sum"] == "990.50"
    assert [line["product_info"]["id"] for line in other["ordered_items"]] == [other_offer.id]


def test_state_filter(buyer, contact, offer):
    place(buyer, contact, (offer, 1))
    supplier_client = client_for(offer.shop.user)
    assert supplier_client.get(PARTNER_ORDERS, {"state": "new"}).json()["count"] == 1
    assert supplier_client.get(PARTNER_ORDERS, {"state": "delivered"}).json()["count"] == 0
    assert supplier_client.get(PARTNER_ORDERS, {"state": "nope"}).status_code == 400


def test_supplier_without_a_shop_sees_nothing(supplier_client):
    response = supplier_client.get(PARTNER_ORDERS)
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_buyers_get_403_and_anonymous_401(buyer_client, api_client):
    assert buyer_client.get(PARTNER_ORDERS).status_code == 403
    assert api_client.get(PARTNER_ORDERS).status_code == 401
