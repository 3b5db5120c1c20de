from decimal import Decimal

import pytest

from tests.support.factories import (
    CategoryFactory,
    OfferFactory,
    ProductFactory,
    ShopFactory,
)

PRODUCTS = "/api/v1/products"

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [offer["id"] for offer in response.json()["results"]]


def test_offer_body(api_client):
    shop = ShopFactory(name="Связной")
    category = CategoryFactory(id=224, name="Смартфоны")
    product = ProductFactory(name="Смартфон Apple iPhone XS Max 512GB", category=category)
    offer = OfferFactory(
        product=product,
        shop=shop,
        external_id=4216292,
        model="apple/iphone/xs-max",
        quantity=14,
        price=Decimal("110000"),
        price_rrc=Decimal("116990"),
        parameters={"Диагональ (дюйм)": 6.5, "Цвет": "золотистый"},
    )
    expected = {
        "id": offer.id,
        "external_id": 4216292,
        "model": "apple/iphone/xs-max",
        "product": {
            "id": product.id,
            "name": "Смартфон Apple iPhone XS Max 512GB",
            "category": 224,
        },
        "shop": {"id": shop.id, "name": "Связной"},
        "quantity": 14,
        "price": "110000.00",
        "price_rrc": "116990.00",
        "product_parameters": [
            {"parameter": "Диагональ (дюйм)", "value": "6.5"},
            {"parameter": "Цвет", "value": "золотистый"},
        ],
    }

    listed = api_client.get(PRODUCTS)
    assert listed.status_code == 200
    assert listed.json() == {
        "count": 1,
        "count_exact": True,
        "next": None,
        "previous": None,
        "results": [expected],
    }

    detail = api_client.get(f"{PRODUCTS}/{offer.id}")
    assert detail.status_code == 200
    assert detail.json() == expected
    assert api_client.get(f"{PRODUCTS}/{offer.id}/").json() == expected


def test_list_hides_withdrawn_offers_and_closed_shops(api_client):
    visible = OfferFactory()
    OfferFactory(is_withdrawn=True)
    OfferFactory(shop=ShopFactory(accepts_orders=False))

    response = api_client.get(PRODUCTS)

    assert ids(response) == [visible.id]
    assert response.json()["count"] == 1


def test_closed_shop_is_hidden_even_when_asked_for(api_client):
    closed = ShopFactory(accepts_orders=False)
    OfferFactory(shop=closed)
    assert ids(api_client.get(PRODUCTS, {"shop_id": closed.id})) == []


@pytest.mark.parametrize("hidden", ["withdrawn", "closed shop", "missing"])
def test_detail_of_a_hidden_offer_is_404(api_client, hidden):
    if hidden == "withdrawn":
        offer_id = OfferFactory(is_withdrawn=True).id
    elif hidden == "closed shop":
        offer_id = OfferFactory(shop=ShopFactory(accepts_orders=False)).id
    else:
        offer_id = OfferFactory().id + 1000

    response = api_client.get(f"{PRODUCTS}/{offer_id}")

    assert response.status_code == 404
    assert response.json()["Status"] is False
    assert response.json()["Errors"]


@pytest.mark.parametrize("offer_id", ["0", "abc", "-1", str(2**63), "9" * 100])
def test_detail_of_an_impossible_id_is_404(api_client, offer_id):
    OfferFactory()
    response = api_client.get(f"{PRODUCTS}/{offer_id}")
    assert response.status_code == 404
    assert response.json()["Status"] is False


def test_one_product_from_two_shops_is_two_offers(api_client):
    product = ProductFactory(name="Kettle")
    first = OfferFactory(product=product, price=Decimal("10"))
    second = OfferFactory(product=product, price=Decimal("12"))

    body = api_client.get(PRODUCTS).json()

    assert [offer["id"] for offer in body["results"]] == [first.id, second.id]
    assert {offer["product"]["id"] for offer in body["results"]} == {product.id}
    assert {offer["shop"]["id"] for offer in body["results"]} == {first.shop_id, second.shop_id}


def test_filter_by_shop(api_client):
    shop = ShopFactory()
    mine = OfferFactory.create_batch(2, shop=shop)
    OfferFactory()
    assert ids(api_client.get(PRODUCTS, {"shop_id": shop.id})) == [o.id for o in mine]


def test_filter_by_category(api_client):
    phones = CategoryFactory()
    phone = OfferFactory(product=ProductFactory(category=phones))
    OfferFactory()
    assert ids(api_client.get(PRODUCTS, {"category_id": phones.id})) == [phone.id]


def test_unknown_shop_or_category_gives_an_empty_page(api_client):
    OfferFactory()
    assert ids(api_client.get(PRODUCTS, {"shop_id": 999_999})) == []
    assert ids(api_client.get(PRODUCTS, {"category_id": 999_999})) == []
    assert ids(api_client.get(PRODUCTS, {"shop_id": 2**63 - 1})) == []


def test_filter_by_price_range_is_inclusive(api_client):
    cheap = OfferFactory(price=Decimal("10.00"))
    middle = OfferFactory(price=Decimal("50.50"))
    dear = OfferFactory(price=Decimal("100.00"))

    assert ids(api_client.get(PRODUCTS, {"price_min": "50.5"})) == [middle.id, dear.id]
    assert ids(api_client.get(PRODUCTS, {"price_max": "50.50"})) == [cheap.id, middle.id]
    assert ids(api_client.get(PRODUCTS, {"price_min": 10, "price_max": 10})) == [cheap.id]
    assert ids(api_client.get(PRODUCTS, {"price_min": 11, "price_max": 99})) == [middle.id]


def test_in_stock(api_client):
    stocked = OfferFactory(quantity=3)
    empty = OfferFactory(quantity=0)

    assert ids(api_client.get(PRODUCTS)) == [stocked.id, empty.id]
    for true in ("true", "True", "1"):
        assert ids(api_client.get(PRODUCTS, {"in_stock": true})) == [stocked.id]
    # in_stock=false is the opposite filter: only what is out of stock.
    for false in ("false", "FALSE", "0"):
        assert ids(api_client.get(PRODUCTS, {"in_stock": false})) == [empty.id]
    assert ids(api_client.get(PRODUCTS, {"in_stock": ""})) == [stocked.id, empty.id]


def test_default_ordering_is_by_id(api_client):
    offers = [
        OfferFactory(price=Decimal(price), product=ProductFactory(name=name))
        for price, name in [("30", "b"), ("10", "c"), ("20", "a")]
    ]
    assert ids(api_client.get(PRODUCTS)) == [o.id for o in offers]


def test_ordering(api_client):
    kettle = OfferFactory(price=Decimal("30"), product=ProductFactory(name="Чайник"))
    apple = OfferFactory(price=Decimal("10"), product=ProductFactory(name="Apple"))
    mixer = OfferFactory(price=Decimal("20"), product=ProductFactory(name="Mixer"))

    assert ids(api_client.get(PRODUCTS, {"ordering": "price"})) == [apple.id, mixer.id, kettle.id]
    assert ids(api_client.get(PRODUCTS, {"ordering": "-price"})) == [kettle.id, mixer.id, apple.id]
    assert ids(api_client.get(PRODUCTS, {"ordering": "name"})) == [apple.id, mixer.id, kettle.id]
    assert ids(api_client.get(PRODUCTS, {"ordering": "-name"})) == [kettle.id, mixer.id, apple.id]


def test_ordering_ties_are_broken_by_id(api_client):
    product = ProductFactory(name="Same")
    offers = [OfferFactory(product=product, price=Decimal("5")) for _ in range(3)]
    expected = [o.id for o in offers]
    for ordering in ("price", "-price", "name", "-name"):
        assert ids(api_client.get(PRODUCTS, {"ordering": ordering})) == expected


def test_ordering_by_two_keys(api_client):
    b_cheap = OfferFactory(price=Decimal("1"), product=ProductFactory(name="B"))
    a_dear = OfferFactory(price=Decimal("9"), product=ProductFactory(name="A"))
    a_cheap = OfferFactory(price=Decimal("1"), product=ProductFactory(name="A2"))
    response = api_client.get(PRODUCTS, {"ordering": "price,-name"})
    assert ids(response) == [b_cheap.id, a_cheap.id, a_dear.id]


def test_ordering_sent_repeated_reads_as_one_list(api_client):
    b_cheap = OfferFactory(price=Decimal("1"), product=ProductFactory(name="B"))
    a_dear = OfferFactory(price=Decimal("9"), product=ProductFactory(name="A"))
    a_cheap = OfferFactory(price=Decimal("1"), product=ProductFactory(name="A2"))
    response = api_client.get(f"{PRODUCTS}?ordering=price&ordering=name")
    assert ids(response) == [a_cheap.id, b_cheap.id, a_dear.id]

    response = api_client.get(f"{PRODUCTS}?ordering=bogus&ordering=price")
    assert response.status_code == 400
    assert set(response.json()["Errors"]) == {"ordering"}


def test_combined_filters(api_client):
    shop = ShopFactory()
    phones = CategoryFactory()
    match = OfferFactory(
        shop=shop,
        product=ProductFactory(name="Phone Pro", category=phones),
        price=Decimal("500"),
        quantity=2,
    )
    cheaper = OfferFactory(
        shop=shop,
        product=ProductFactory(name="Phone Lite", category=phones),
        price=Decimal("300"),
        quantity=1,
    )
    OfferFactory(  # out of stock
        shop=shop,
        product=ProductFactory(name="Phone Max", category=phones),
        price=Decimal("400"),
        quantity=0,
    )
    OfferFactory(  # another shop
        product=ProductFactory(name="Phone Other", category=phones), price=Decimal("400")
    )
    OfferFactory(  # another category
        shop=shop, product=ProductFactory(name="Phone case"), price=Decimal("400")
    )
    OfferFactory(  # too dear
        shop=shop, product=ProductFactory(name="Phone Ultra", category=phones), price=Decimal("900")
    )

    response = api_client.get(
        PRODUCTS,
        {
            "shop_id": shop.id,
            "category_id": phones.id,
            "search": "phone",
            "price_min": "100",
            "price_max": "800",
            "in_stock": "true",
            "ordering": "-price",
        },
    )

    assert ids(response) == [match.id, cheaper.id]
    assert response.json()["count"] == 2


def test_pagination(api_client):
    shop = ShopFactory()
    product = ProductFactory()
    offers = OfferFactory.create_batch(5, shop=shop, product=product)

    first = api_client.get(PRODUCTS, {"page_size": 2})
    assert ids(first) == [o.id for o in offers[:2]]
    assert first.json()["count"] == 5
    assert first.json()["previous"] is None
    assert "page=2" in first.json()["next"]

    last = api_client.get(PRODUCTS, {"page_size": 2, "page": 3})
    assert ids(last) == [offers[4].id]
    assert last.json()["next"] is None

    assert ids(api_client.get(PRODUCTS, {"page_size": 2, "page": "last"})) == [offers[4].id]
    assert api_client.get(PRODUCTS, {"page_size": 2, "page": 4}).status_code == 404


def test_default_page_size_is_20_and_max_is_100(api_client):
    shop = ShopFactory()
    product = ProductFactory()
    OfferFactory.create_batch(105, shop=shop, product=product)

    assert len(ids(api_client.get(PRODUCTS))) == 20
    assert len(ids(api_client.get(PRODUCTS, {"page_size": 100}))) == 100
    clamped = api_client.get(PRODUCTS, {"page_size": 101})
    assert len(ids(clamped)) == 100
    assert "page_size=101" in clamped.json()["next"]
    assert len(ids(api_client.get(PRODUCTS, {"page_size": "9" * 5000}))) == 100
