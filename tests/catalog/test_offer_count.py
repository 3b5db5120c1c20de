"""The per-shop count of visible offers, kept by database triggers, is always exact."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procurement.catalog import selectors
from procurement.catalog.models import Offer, Shop
from procurement.pricelists.services import import_pricelist
from tests.support.factories import OfferFactory, ShopFactory
from tests.support.pricelists import as_yaml, generated

pytestmark = pytest.mark.django_db


def assert_counts_exact():
    for shop in Shop.objects.all():
        visible = Offer.objects.filter(shop=shop, is_withdrawn=False).count()
        assert shop.visible_offers == visible, shop.name
    assert selectors.offer_count() == selectors.offer_list().count()


def test_the_triggers_exist():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'catalog_offer'::regclass "
                "AND NOT tgisinternal ORDER BY tgname"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'catalog_offer' ORDER BY name"
            )
        names = [row[0] for row in cursor.fetchall()]
    assert names == ["catalog_offer_deleted", "catalog_offer_inserted", "catalog_offer_updated"]


def test_counts_follow_every_kind_of_write():
    first, second, closed = ShopFactory(), ShopFactory(), ShopFactory(accepts_orders=False)
    offers = [OfferFactory(shop=first) for _ in range(3)]
    OfferFactory(shop=first, is_withdrawn=True)
    OfferFactory(shop=closed)
    assert_counts_exact()

    Offer.objects.filter(pk=offers[0].pk).update(is_withdrawn=True)
    assert_counts_exact()
    Offer.objects.filter(shop=first).update(is_withdrawn=False)
    assert_counts_exact()
    Offer.objects.filter(pk=offers[1].pk).update(shop=second)
    assert_counts_exact()
    Offer.objects.filter(pk=offers[2].pk).update(quantity=0, price="1.00")
    assert_counts_exact()
    Offer.objects.filter(pk=offers[2].pk).delete()
    assert_counts_exact()
    Offer.objects.bulk_create(
        Offer(
            product=offers[0].product,
            shop=second,
            external_id=900 + n,
            quantity=1,
            price=1,
            price_rrc=1,
            is_withdrawn=n % 2 == 0,
        )
        for n in range(5)
    )
    assert_counts_exact()
    Shop.objects.filter(pk=second.pk).update(accepts_orders=False)
    assert_counts_exact()


def test_counts_follow_imports(supplier):
    result = import_pricelist(supplier=supplier, data=as_yaml(generated(40)), source="test")
    assert result.created == 40
    assert_counts_exact()
    smaller = generated(40)
    smaller["goods"] = smaller["goods"][:25]
    import_pricelist(supplier=supplier, data=as_yaml(smaller), source="test")
    assert Shop.objects.get(user=supplier).visible_offers == 25
    assert_counts_exact()
    import_pricelist(supplier=supplier, data=as_yaml(generated(40)), source="test")
    assert Shop.objects.get(user=supplier).visible_offers == 40
    assert_counts_exact()


def test_the_whole_catalog_is_counted_from_the_shops_a_filtered_one_by_its_matches(api_client):
    shop = ShopFactory()
    for _ in range(3):
        OfferFactory(shop=shop)
    OfferFactory(shop=shop, is_withdrawn=True)

    with CaptureQueriesContext(connection) as queries:
        body = api_client.get("/api/v1/products", {"ordering": "-price"}).json()
    assert body["count"] == 3
    assert not any(
        "COUNT(" in query["sql"].upper() and "catalog_offer" in query["sql"] for query in queries
    )

    # A filtered list is counted from the keys of its matches, read once with its page.
    with CaptureQueriesContext(connection) as queries:
        body = api_client.get("/api/v1/products", {"price_min": "0", "page_size": 2}).json()
    assert (body["count"], body["count_exact"]) == (3, True)
    assert not any("COUNT(" in query["sql"].upper() for query in queries)
