"""Whatever a client puts in the query string, the answer is a 400 with the envelope, never a 500."""

import pytest

from tests.support.factories import OfferFactory

PRODUCTS = "/api/v1/products"

BIG = str(2**63)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def offer():
    return OfferFactory()


@pytest.mark.parametrize(
    "params",
    [
        {"shop_id": "x"},
        {"shop_id": "0"},
        {"shop_id": "-3"},
        {"shop_id": "1e3"},
        {"shop_id": BIG},
        {"shop_id": "9" * 5000},
        {"category_id": "phones"},
        {"category_id": BIG},
        {"category_id": "-1"},
        {"price_min": "abc"},
        {"price_min": "-1"},
        {"price_min": "NaN"},
        {"price_min": "Infinity"},
        {"price_min": "1e999"},
        {"price_min": "10.555"},
        {"price_max": "12345678901"},
        {"price_max": "cheap"},
        {"price_min": "100", "price_max": "10"},
        {"in_stock": "maybe"},
        {"in_stock": "yes"},
        {"ordering": "bogus"},
        {"ordering": "id"},
        {"ordering": "price,bogus"},
        {"ordering": "search_text"},
        {"search": "x" * 201},
        {"search": "bad\x00byte"},
        {"page": "0"},
        {"page": "-1"},
        {"page": "1.5"},
        {"page": "two"},
        {"page_size": "0"},
        {"page_size": "ten"},
    ],
)
def test_bad_filter_value_is_400(api_client, params):
    response = api_client.get(PRODUCTS, params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["Status"] is False
    assert set(body["Errors"]) <= set(params) | {"price_max"}
    assert body["Errors"]


def test_every_bad_value_is_reported_at_once(api_client):
    response = api_client.get(
        PRODUCTS, {"shop_id": "x", "price_min": "abc", "in_stock": "maybe", "ordering": "bogus"}
    )
    assert response.status_code == 400
    assert set(response.json()["Errors"]) == {"shop_id", "price_min", "in_stock", "ordering"}


def test_errors_are_translated(api_client):
    response = api_client.get(PRODUCTS, {"in_stock": "maybe"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.json() == {"Status": False, "Errors": {"in_stock": ["Must be true or false."]}}


def test_unknown_parameters_are_ignored(api_client, offer):
    response = api_client.get(PRODUCTS, {"colour": "red"})
    assert response.status_code == 200
    assert [o["id"] for o in response.json()["results"]] == [offer.id]


def test_largest_id_is_accepted(api_client):
    response = api_client.get(PRODUCTS, {"shop_id": 2**63 - 1, "category_id": 2**63 - 1})
    assert response.status_code == 200
    assert response.json()["count"] == 0
