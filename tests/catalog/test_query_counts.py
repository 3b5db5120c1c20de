"""A catalog page costs the same few queries whatever its size (no query per row)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.support.factories import (
    CategoryFactory,
    OfferFactory,
    ProductFactory,
    ShopFactory,
)

MAX_QUERIES = 5

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    shops = ShopFactory.create_batch(3)
    categories = [CategoryFactory(id=category_id, shops=shops) for category_id in (501, 502, 503)]
    for n in range(102):
        OfferFactory(
            shop=shops[n % 3],
            product=ProductFactory(category=categories[n % 3]),
            parameters={"Цвет": f"цвет {n}", "Вес": n, "Размер": "M"},
        )
    return shops


def queries_for(api_client, path: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api_client.get(path, params)
    assert response.status_code == 200, response.content
    return len(captured)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/products", {}),
        ("/api/v1/products", {"search": "цвет", "ordering": "-name", "in_stock": "true"}),
        ("/api/v1/products", {"category_id": 501, "price_min": 1, "ordering": "price"}),
        ("/api/v1/shops", {}),
        ("/api/v1/categories", {}),
    ],
)
def test_list_queries_do_not_grow_with_page_size(api_client, catalog, path, params):
    small = queries_for(api_client, path, {**params, "page_size": 1})
    large = queries_for(api_client, path, {**params, "page_size": 100})
    # A filtered page that holds every match needs no count query: never more for more rows.
    assert large <= small <= MAX_QUERIES


def test_categories_of_a_shop_query_count(api_client, catalog, django_assert_num_queries):
    with django_assert_num_queries(2):  # count, page
        response = api_client.get("/api/v1/categories", {"shop_id": catalog[0].id})
    assert response.status_code == 200


def test_products_page_with_parameters_runs_three_queries(
    api_client, catalog, django_assert_num_queries
):
    with django_assert_num_queries(3):  # count, page with product and shop, parameters
        response = api_client.get("/api/v1/products", {"page_size": 100})
    results = response.json()["results"]
    assert len(results) == 100
    assert all(len(offer["product_parameters"]) == 3 for offer in results)


def test_product_detail_runs_two_queries(api_client, catalog, django_assert_num_queries):
    offer_id = api_client.get("/api/v1/products").json()["results"][0]["id"]
    with django_assert_num_queries(2):  # the offer with product and shop, its parameters
        response = api_client.get(f"/api/v1/products/{offer_id}")
    assert response.status_code == 200
    assert len(response.json()["product_parameters"]) == 3
