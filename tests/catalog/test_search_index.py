"""On PostgreSQL the search must be able to use the trigram index (a plain LIKE on the column)."""

import importlib

import pytest
from django.db import connection

from procurement.catalog.filters import OfferFilter
from procurement.catalog.models import Offer
from procurement.catalog.search import PUNCTUATION, PUNCTUATION_LETTERS, normalize
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


def fill_beside(offer: Offer, search_texts: list[str]) -> None:
    """Offers of `offer`'s product and shop with these search texts, then the table as a
    live one would be: the GIN pending list merged (as VACUUM does), fresh statistics, and
    sequential scans off (a table this small is cheaper to scan whole; the question is
    which index the search would use)."""
    Offer.objects.bulk_create(
        Offer(
            product=offer.product,
            shop=offer.shop,
            external_id=n,
            quantity=1,
            price=n,
            price_rrc=n,
            search_text=text,
        )
        for n, text in enumerate(search_texts, start=1_000_000)
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [TRIGRAM_INDEX])
        cursor.execute("ANALYZE catalog_offer")
        cursor.execute("SET LOCAL enable_seqscan = off")


def test_search_uses_the_trigram_index():
    offer = OfferFactory(product=ProductFactory(name="Смартфон Apple"))
    fill_beside(offer, [f"чайник {n}" for n in range(1, 3000)])
    queryset = OfferFilter({"search": "смартфон"}, queryset=offer_list()).qs
    plan = queryset.explain()
    assert TRIGRAM_INDEX in plan, plan
    assert [o.id for o in queryset] == [offer.id]


def test_a_word_with_punctuation_is_looked_up_by_its_own_trigrams():
    """A model number such as m-2024 is looked up as one word, not as "m" and "2024" (which
    pg_trgm would make of it, both in every other offer here)."""
    offer = OfferFactory(model="sony/m-2024")
    fill_beside(offer, [normalize(f"чайник hp/m-{n} 2024") for n in range(3000, 6000)])
    queryset = OfferFilter({"search": "m-2024"}, queryset=offer_list()).qs
    plan = queryset.explain(analyze=True)
    assert TRIGRAM_INDEX in plan, plan
    # With punctuation read as a space, all 3,000 were read from the table and rejected.
    assert "Rows Removed by Index Recheck" not in plan, plan
    assert [o.id for o in queryset] == [offer.id]


def test_the_migration_folds_with_the_marks_and_letters_of_the_search():
    migration = importlib.import_module(
        "procurement.catalog.migrations.0007_search_text_folds_punctuation"
    )
    assert migration.PUNCTUATION == PUNCTUATION
    assert migration.PUNCTUATION_LETTERS == PUNCTUATION_LETTERS
