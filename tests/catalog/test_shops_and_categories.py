import pytest

from tests.support.factories import CategoryFactory, ShopFactory

SHOPS = "/api/v1/shops"
CATEGORIES = "/api/v1/categories"

pytestmark = pytest.mark.django_db


def test_shops_lists_only_shops_accepting_orders_by_name(api_client):
    beta = ShopFactory(name="Бета")
    alpha = ShopFactory(name="Alpha")
    ShopFactory(name="Closed", accepts_orders=False)

    response = api_client.get(SHOPS)

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            {"id": alpha.id, "name": "Alpha", "state": True},
            {"id": beta.id, "name": "Бета", "state": True},
        ],
    }


def test_shops_trailing_slash_works_too(api_client):
    ShopFactory()
    response = api_client.get(SHOPS + "/")
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_shops_are_paginated(api_client):
    ShopFactory.create_batch(3)
    response = api_client.get(SHOPS, {"page_size": 2, "page": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert len(body["results"]) == 1
    assert body["next"] is None
    assert body["previous"].endswith("page_size=2")


def test_categories_lists_all_by_name(api_client):
    phones = CategoryFactory(id=224, name="Смартфоны")
    audio = CategoryFactory(id=15, name="Audio")

    response = api_client.get(CATEGORIES)

    assert response.status_code == 200
    assert response.json()["results"] == [
        {"id": audio.id, "name": "Audio"},
        {"id": phones.id, "name": "Смартфоны"},
    ]


def test_categories_of_one_shop(api_client):
    shop, other = ShopFactory(), ShopFactory()
    phones = CategoryFactory(name="Phones", shops=[shop, other])
    CategoryFactory(name="Audio", shops=[other])
    CategoryFactory(name="Unused")

    response = api_client.get(CATEGORIES, {"shop_id": shop.id})

    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert response.json()["results"] == [{"id": phones.id, "name": "Phones"}]


def test_categories_of_a_closed_or_unknown_shop_are_empty(api_client):
    closed = ShopFactory(accepts_orders=False)
    CategoryFactory(shops=[closed])

    for shop_id in (closed.id, closed.id + 1000):
        response = api_client.get(CATEGORIES, {"shop_id": shop_id})
        assert response.status_code == 200
        assert response.json()["count"] == 0
        assert response.json()["results"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"shop_id": "x"},
        {"shop_id": "0"},
        {"shop_id": "-1"},
        {"shop_id": "1.5"},
        {"shop_id": str(2**63)},
        {"shop_id": "9" * 5000},
        {"page": "0"},
        {"page": "abc"},
        {"page_size": "0"},
        {"page_size": "-5"},
        {"page_size": "many"},
    ],
)
def test_categories_bad_query_is_400(api_client, params):
    CategoryFactory()
    response = api_client.get(CATEGORIES, params)
    assert response.status_code == 400
    body = response.json()
    assert body["Status"] is False
    assert set(body["Errors"]) == set(params)


@pytest.mark.parametrize("params", [{"page": "0"}, {"page": "x"}, {"page_size": "0"}])
def test_shops_bad_page_is_400(api_client, params):
    response = api_client.get(SHOPS, params)
    assert response.status_code == 400
    assert response.json()["Status"] is False


def test_page_past_the_end_is_404(api_client):
    ShopFactory()
    response = api_client.get(SHOPS, {"page": 2})
    assert response.status_code == 404
    assert response.json()["Status"] is False
    assert api_client.get(SHOPS, {"page": "9" * 5000}).status_code == 404


def test_catalog_is_read_only(api_client):
    for path in (SHOPS, CATEGORIES, "/api/v1/products"):
        response = api_client.post(path, {}, format="json")
        assert response.status_code == 405
        assert response.json()["Status"] is False
