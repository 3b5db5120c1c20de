"""A filtered catalog list counts at most COUNT_CAP results past its page; `next` still
leads through every result, and `count_exact` says whether `count` is the whole count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procurement.core.pagination import CappedCountPagination
from tests.support.factories import OfferFactory, ShopFactory

pytestmark = pytest.mark.django_db

CAP = 5


@pytest.fixture
def small_cap(monkeypatch):
    monkeypatch.setattr(CappedCountPagination, "COUNT_CAP", CAP)


@pytest.fixture
def twelve_offers():
    shop = ShopFactory()
    offers = [OfferFactory(shop=shop, price=100 + n) for n in range(12)]
    OfferFactory(shop=shop, price=50)  # outside the filter
    return offers


def test_a_long_filtered_list_is_counted_up_to_the_cap_and_paged_to_its_end(
    api_client, small_cap, twelve_offers
):
    body = api_client.get("/api/v1/products", {"price_min": "100", "page_size": 2}).json()
    # 2 on the page + 5 past it counted: more than 7.
    assert (body["count"], body["count_exact"]) == (7, False)

    seen, pages, url = [], [], "/api/v1/products?price_min=100&page_size=2"
    while url:
        response = api_client.get(url)
        assert response.status_code == 200, response.content
        page = response.json()
        pages.append((page["count"], page["count_exact"]))
        seen += [offer["id"] for offer in page["results"]]
        url = page["next"]

    assert seen == [offer.pk for offer in twelve_offers]  # each once, in order, all of them
    assert pages[-1] == (12, True)  # near the end the whole count is known
    assert all(exact or count < 12 for count, exact in pages)
    past_the_end = api_client.get(
        "/api/v1/products", {"price_min": "100", "page_size": 2, "page": 7}
    )
    assert past_the_end.status_code == 404
    assert past_the_end.json()["Status"] is False


def test_a_filtered_list_within_the_cap_is_counted_exactly(api_client, small_cap, twelve_offers):
    body = api_client.get("/api/v1/products", {"price_min": "108", "page_size": 2}).json()

    assert (body["count"], body["count_exact"]) == (4, True)
    assert [offer["id"] for offer in body["results"]] == [o.pk for o in twelve_offers[8:10]]
    assert body["previous"] is None and "page=2" in body["next"]


def test_the_last_page_and_the_whole_catalog_are_counted_exactly(
    api_client, small_cap, twelve_offers
):
    last = api_client.get(
        "/api/v1/products", {"price_min": "100", "page_size": 5, "page": "last"}
    ).json()
    whole = api_client.get("/api/v1/products", {"page_size": 2}).json()

    assert (last["count"], last["count_exact"], len(last["results"])) == (12, True, 2)
    assert last["next"] is None
    assert (whole["count"], whole["count_exact"]) == (13, True)


def test_the_matches_are_read_once_up_to_the_cap(api_client, small_cap, twelve_offers):
    with CaptureQueriesContext(connection) as queries:
        api_client.get("/api/v1/products", {"price_min": "100", "page_size": 2, "page": 2})

    offer_reads = [query["sql"] for query in queries if 'FROM "catalog_offer"' in query["sql"]]
    assert not any("COUNT(" in sql.upper() for sql in offer_reads)
    # The page's 2, the cap's 5 and one to tell "more", from the page's start; then the page.
    assert "LIMIT 8 OFFSET 2" in offer_reads[0]
    assert len(offer_reads) == 2


@pytest.mark.parametrize("page", ["9999999999999", "9" * 5000])
def test_a_page_far_past_the_end_is_404_not_an_error(api_client, twelve_offers, page):
    response = api_client.get("/api/v1/products", {"price_min": "100", "page": page})

    assert response.status_code == 404
    assert response.json()["Status"] is False


def test_the_page_s_rows_are_fetched_by_key_without_the_search_again(api_client, twelve_offers):
    with CaptureQueriesContext(connection) as queries:
        body = api_client.get("/api/v1/products", {"search": "product", "page_size": 3}).json()

    offer_reads = [query["sql"] for query in queries if 'FROM "catalog_offer"' in query["sql"]]
    assert "LIKE" in offer_reads[0]
    assert "LIKE" not in offer_reads[1]
    assert [offer["id"] for offer in body["results"]] == [o.pk for o in twelve_offers[:3]]
