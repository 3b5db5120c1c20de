"""On PostgreSQL the import's new offers and parameter values go by COPY, with the offers'
ids taken from their sequence first: the rows, their ids and the errors must be those an
INSERT gives."""

import pytest
from django.db import DataError, IntegrityError, connection, transaction

from procurement.catalog.models import Offer, OfferParameter, Shop
from procurement.catalog.search import normalize
from procurement.core.bulk_sql import copy_rows, next_ids
from procurement.pricelists.services import import_pricelist
from tests.support.factories import OfferFactory, OfferParameterFactory, SupplierFactory
from tests.support.pricelists import as_yaml, catalog_snapshot, generated

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's"),
]


def test_new_offers_take_ids_from_the_sequence_in_the_order_of_the_list():
    before = OfferFactory()
    supplier = SupplierFactory()
    document = generated(50, first_id=1000)
    document["goods"].reverse()
    import_pricelist(supplier=supplier, data=as_yaml(document), source="t", filename="l.yaml")
    offers = list(Offer.objects.filter(shop__user=supplier).order_by("id"))
    assert [offer.external_id for offer in offers] == [good["id"] for good in document["goods"]]
    assert offers[0].pk > before.pk
    after = OfferFactory()  # the sequence moved past the copied ids
    assert after.pk > offers[-1].pk
    assert Shop.objects.get(user=supplier).visible_offers == 50
    offer = offers[0]
    assert dict(offer.parameters.values_list("parameter__name", "value")) == {
        "Цвет": "черный",
        "Вес": "49",
        "Smart": "false",
    }
    assert offer.search_text == normalize("product 49 brand/model-49 черный 49 false")


def test_next_ids_are_new_and_ascending():
    with connection.cursor() as cursor:
        first = next_ids(cursor, Offer, 3)
        second = next_ids(cursor, Offer, 2)
    assert first == sorted(first) and second == sorted(second)
    assert len(set(first + second)) == 5 and min(second) > max(first)


def test_a_copy_that_breaks_a_constraint_raises_djangos_error_and_writes_nothing():
    offer = OfferFactory()
    parameter_value = OfferParameterFactory(offer=offer, value="синий")
    before = catalog_snapshot()
    rows = [(offer.pk, parameter_value.parameter_id, "красный")]  # (offer, parameter) is unique
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        copy_rows(cursor, OfferParameter, ["offer_id", "parameter_id", "value"], rows)
    assert catalog_snapshot() == before
    assert list(OfferParameter.objects.values_list("value", flat=True)) == ["синий"]


def test_a_value_too_long_for_its_column_fails_the_copy():
    offer = OfferFactory()
    with pytest.raises(DataError) as raised, transaction.atomic(), connection.cursor() as cursor:
        copy_rows(
            cursor,
            Offer,
            [
                "shop_id",
                "product_id",
                "external_id",
                "model",
                "quantity",
                "price",
                "price_rrc",
                "is_withdrawn",
                "search_text",
                "updated_at",
            ],
            [(offer.shop_id, offer.product_id, 1, "m" * 101, 1, 1, 1, False, "", offer.updated_at)],
        )
    assert "too long" in str(raised.value)
    assert Offer.objects.count() == 1
