"""A shop accepts orders while its own switch is on and its owner's account is active; the
catalog shows only such shops and their offers, and forgets nothing about the switch."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procurement.accounts.models import User
from procurement.catalog import selectors
from procurement.catalog.models import Shop
from tests.support.factories import CategoryFactory, OfferFactory, ShopFactory

SHOPS = "/api/v1/shops"
PRODUCTS = "/api/v1/products"
CATEGORIES = "/api/v1/categories"

pytestmark = pytest.mark.django_db


def set_owner_active(shop: Shop, active: bool) -> None:
    User.objects.filter(pk=shop.user_id).update(is_active=active)


def listed_shop_ids(client) -> list[int]:
    return [shop["id"] for shop in client.get(SHOPS).json()["results"]]


def listed_offers(client, **query) -> tuple[int, list[int]]:
    body = client.get(PRODUCTS, query).json()
    return body["count"], [offer["id"] for offer in body["results"]]


@pytest.fixture
def shops():
    """An open shop, a shop its supplier switched off, and a shop with no owner."""
    open_shop = ShopFactory(name="Open")
    switched_off = ShopFactory(name="Switched off", accepts_orders=False)
    ownerless = ShopFactory(name="No owner", user=None)
    return open_shop, switched_off, ownerless


def test_a_deactivated_owner_closes_the_shop_and_reactivation_reopens_it(api_client, shops):
    open_shop, switched_off, _ownerless = shops
    assert listed_shop_ids(api_client) == [open_shop.id]

    set_owner_active(open_shop, False)
    set_owner_active(switched_off, False)
    assert listed_shop_ids(api_client) == []
    assert api_client.get(SHOPS).json()["count"] == 0
    # The suppliers' own switches are kept as they were.
    assert list(Shop.objects.order_by("name").values_list("name", "accepts_orders")) == [
        ("No owner", True),
        ("Open", True),
        ("Switched off", False),
    ]

    set_owner_active(open_shop, True)
    set_owner_active(switched_off, True)
    assert api_client.get(SHOPS).json()["results"] == [
        {"id": open_shop.id, "name": "Open", "state": True}
    ]


def test_offers_of_a_deactivated_owner_leave_the_catalog_and_come_back(api_client, shops):
    open_shop, switched_off, ownerless = shops
    visible = [OfferFactory(shop=open_shop, price="10.00") for _ in range(3)]
    OfferFactory(shop=switched_off)
    OfferFactory(shop=ownerless)
    other_open = ShopFactory()
    other_offer = OfferFactory(shop=other_open, price="5.00")
    everything = sorted([offer.id for offer in visible] + [other_offer.id])

    assert listed_offers(api_client) == (4, everything)
    assert listed_offers(api_client, price_min="0") == (4, everything)

    set_owner_active(open_shop, False)
    # Both ways of counting: the kept per-shop counts (whole catalog) and the rows (filtered).
    assert listed_offers(api_client) == (1, [other_offer.id])
    assert listed_offers(api_client, price_min="0") == (1, [other_offer.id])
    assert listed_offers(api_client, shop_id=open_shop.id) == (0, [])
    assert selectors.offer_count() == selectors.offer_list().count() == 1
    response = api_client.get(f"{PRODUCTS}/{visible[0].id}")
    assert response.status_code == 404
    assert response.json()["Status"] is False

    set_owner_active(open_shop, True)
    assert listed_offers(api_client) == (4, everything)
    assert api_client.get(f"{PRODUCTS}/{visible[0].id}").status_code == 200


def test_the_whole_catalog_is_still_counted_from_the_shops(api_client, shops):
    open_shop, _switched_off, _ownerless = shops
    for _ in range(3):
        OfferFactory(shop=open_shop)
    set_owner_active(ShopFactory(), False)

    with CaptureQueriesContext(connection) as queries:
        body = api_client.get(PRODUCTS).json()

    assert body["count"] == 3
    assert not any(
        "COUNT(" in query["sql"].upper() and "catalog_offer" in query["sql"] for query in queries
    )


def test_an_ownerless_shop_shows_nothing(api_client, shops):
    _open_shop, _switched_off, ownerless = shops
    offer = OfferFactory(shop=ownerless)
    CategoryFactory(shops=[ownerless])

    assert ownerless.id not in listed_shop_ids(api_client)
    assert listed_offers(api_client, shop_id=ownerless.id) == (0, [])
    assert api_client.get(f"{PRODUCTS}/{offer.id}").status_code == 404
    assert api_client.get(CATEGORIES, {"shop_id": ownerless.id}).json()["count"] == 0


def test_categories_of_a_deactivated_owners_shop_are_empty_until_reactivation(api_client, shops):
    open_shop, _switched_off, _ownerless = shops
    phones = CategoryFactory(name="Phones", shops=[open_shop])

    set_owner_active(open_shop, False)
    assert api_client.get(CATEGORIES, {"shop_id": open_shop.id}).json()["count"] == 0

    set_owner_active(open_shop, True)
    assert api_client.get(CATEGORIES, {"shop_id": open_shop.id}).json()["results"] == [
        {"id": phones.id, "name": "Phones"}
    ]
