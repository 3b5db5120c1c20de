"""On PostgreSQL the search must be able to use the trigram index (a plain LIKE on the column)."""

import pytest
from django.db import connection

from procurement.catalog.filters import OfferFilter
from procurement.catalog.models import Offer
from procurement.catalog.selectors import offer_list
from tests.support.factories import OfferFactory, ProductFactory

TRIGRAM_INDEX = "offer_search_text_trgm_idx"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the trigram index exists on PostgreSQL only"
    ),
]


def trigram_index_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [TRIGRAM_INDEX])
        return cursor.fetchone() is not None


def test_search_sql_is_a_plain_like_on_the_column():
    queryset = OfferFilter({"search": "Смартфон Apple"}, queryset=offer_list()).qs
    sql = str(queryset.query)
    assert "UPPER(" not in sql
    assert sql.count('"catalog_offer"."search_text"::text LIKE') == 2


def test_search_uses_the_trigram_index():
    offer = OfferFactory(product=ProductFactory(name="Смартфон Apple"))
    Offer.objects.bulk_create(
        Offer(
            product=offer.product,
            shop=offer.shop,
            external_id=n,
            quantity=1,
            price=n,
            price_rrc=n,
            search_text=f"чайник {n}",
        )
        for n in range(1, 3000)
    )
    with connection.cursor() as cursor:
        # What VACUUM does on a live table: move fresh entries out of the GIN pending list.
        cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [TRIGRAM_INDEX])
        cursor.execute("ANALYZE catalog_offer")
        # A table this small is cheaper to scan whole; the question is which index it would use.
        cursor.execute("SET LOCAL enable_seqscan = off")
    queryset = OfferFilter({"search": "смартфон"}, queryset=offer_list()).qs
    plan = queryset.explain()
    assert TRIGRAM_INDEX in plan, plan
    assert [o.id for o in queryset] == [offer.id]
