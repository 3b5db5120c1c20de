import html
import re

import pytest

from procurement.catalog.models import Offer
from tests.support.factories import OfferFactory, OfferParameterFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_the_catalog_filters_searches_and_sorts(client):
    cheap = OfferFactory(price=100, quantity=0, product__name="Чайник Bosch")
    dear = OfferFactory(price=900, quantity=3, product__name="Чайник Tefal")
    OfferFactory(price=500, product__name="Утюг")
    page = client.get("/", {"search": "чайник", "ordering": "-price"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Утюг" not in text
    assert text.index("Чайник Tefal") < text.index("Чайник Bosch")
    in_stock = client.get("/", {"search": "чайник", "in_stock": "true"}).content.decode()
    assert "Чайник Tefal" in in_stock and "Чайник Bosch" not in in_stock
    by_shop = client.get("/", {"shop_id": cheap.shop_id}).content.decode()
    assert "Чайник Bosch" in by_shop and "Чайник Tefal" not in by_shop
    priced = client.get("/", {"price_min": "200", "price_max": "950"}).content.decode()
    assert "Чайник Tefal" in priced and "Чайник Bosch" not in priced
    assert dear.pk


@pytest.mark.parametrize(
    "query",
    [
        {"price_min": "-1"},
        {"price_min": "abc"},
        {"price_min": "10", "price_max": "5"},
        {"shop_id": "abc"},
        {"category_id": str(10**30)},
        {"in_stock": "maybe"},
        {"ordering": "password"},
        {"search": "x" * 201},
    ],
)
def test_hostile_filters_are_a_400_page_with_the_reason(client, query):
    OfferFactory()
    page = client.get("/", query)
    assert page.status_code == 400
    assert b"Some filters are not valid" in page.content


def test_a_filters_error_is_named_by_its_label_in_the_clients_language(client):
    OfferFactory()
    page = client.get("/", {"price_min": "1390,00"}, HTTP_ACCEPT_LANGUAGE="ru")
    assert page.status_code == 400
    body = page.content.decode()
    assert "<li>Цена от: " in body
    assert "price_min:" not in body


@pytest.mark.parametrize("number", ["abc", "0", "-3", "999999", str(10**40), ""])
def test_any_page_number_gives_a_page(client, number):
    OfferFactory(product__name="Единственный")
    page = client.get("/", {"page": number})
    assert page.status_code == 200
    assert "Единственный" in page.content.decode()


def test_pages_of_the_whole_catalog_and_of_a_search(client):
    for number in range(25):
        OfferFactory(product__name=f"Товар {number:02d}")
    first = client.get("/").content.decode()
    assert "25 offers" in first and "Page 1 of 2" in first
    second = client.get("/", {"page": 2, "search": "товар"}).content.decode()
    assert "Page 2 of 2" in second and "Товар 24" in second and "Товар 00" not in second


def test_the_product_page_compares_every_shops_offer_with_their_characteristics(client):
    product = ProductFactory(name="Смартфон X")
    first = OfferFactory(product=product, price=1000, quantity=2)
    second = OfferFactory(product=product, price=900, quantity=0)
    OfferParameterFactory(offer=first, parameter__name="Цвет", value="чёрный")
    OfferParameterFactory(offer=second, parameter__name="Память", value="128")
    withdrawn = OfferFactory(product=product, is_withdrawn=True)
    page = client.get(f"/products/{product.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert first.shop.name in text and second.shop.name in text
    assert withdrawn.shop.name not in text
    assert "Цвет" in text and "чёрный" in text and "Память" in text
    assert text.index(second.shop.name) < text.index(first.shop.name)  # cheapest first


@pytest.mark.parametrize("product_id", ["999999", str(2**63), str(10**30), "0"])
def test_a_product_that_is_not_there_is_a_404_page(client, product_id):
    OfferFactory()
    page = client.get(f"/products/{product_id}/")
    assert page.status_code == 404
    assert b"<!doctype html>" in page.content


def test_a_product_whose_offers_are_all_withdrawn_is_a_404(client):
    offer = OfferFactory(is_withdrawn=True)
    assert client.get(f"/products/{offer.product_id}/").status_code == 404
    assert Offer.objects.count() == 1


def test_names_from_price_lists_are_shown_as_text_never_as_markup(client):
    offer = OfferFactory(product__name='<script>alert("x")</script>', model="<b>m</b>")
    for path in ["/", f"/products/{offer.product_id}/"]:
        text = client.get(path).content.decode()
        assert "<script>alert" not in text and "<b>m</b>" not in text
        assert "&lt;script&gt;alert" in text


def test_a_filtered_page_counts_up_to_the_cap_and_its_links_reach_every_result(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from procurement.core.pagination import COUNT_CAP
    from procurement.web.views.common import PAGE_SIZE
    from tests.support.factories import ShopFactory

    shop = ShopFactory()
    matches = PAGE_SIZE + COUNT_CAP + 5
    for number in range(matches):
        OfferFactory(shop=shop, product__name=f"Лампа {number:03d}")
    OfferFactory(shop=shop, product__name="Не та")
    with CaptureQueriesContext(connection) as queries:
        first = client.get("/", {"search": "лампа"})
    text = first.content.decode()
    assert f"more than {PAGE_SIZE + COUNT_CAP} offers" in text
    assert not [query for query in queries if "COUNT(" in query["sql"].upper()]
    seen, url, pages = set(), "/?search=%D0%BB%D0%B0%D0%BC%D0%BF%D0%B0", 0
    while url:
        text = client.get(url).content.decode()
        pages += 1
        seen |= set(re.findall(r"Лампа \d{3}", text))
        assert "Не та" not in text
        found = re.search(r'href="([^"]+)" rel="next"', text)
        url = "/" + html.unescape(found.group(1)) if found else None
    assert len(seen) == matches and pages == -(-matches // PAGE_SIZE)
    last = client.get("/", {"search": "лампа", "page": pages}).content.decode()
    assert f"{matches} offers" in last and f"Page {pages} of {pages}" in last
    assert 'rel="prev"' in last


def test_a_filtered_page_past_the_end_gives_the_last(client):
    OfferFactory(product__name="Лампа один")
    page = client.get("/", {"search": "лампа", "page": "999"})
    assert page.status_code == 200
    assert "Лампа один" in page.content.decode() and "1 offer" in page.content.decode()
