import pytest
from rest_framework import serializers

from procurement.catalog import selectors
from procurement.catalog.api.serializers import OFFER_ROWS, OfferSerializer
from procurement.core.serializers import RowShape
from tests.support.factories import OfferFactory

pytestmark = pytest.mark.django_db


def test_catalog_pages_show_offers_exactly_as_the_offer_serializer_does(api_client):
    OfferFactory(price="120.5", price_rrc="0", parameters={"Цвет": "синий", "Вес": 250})
    OfferFactory(price="99999999.99", model="", parameters={})
    OfferFactory(price="7", parameters={"Smart": True})

    page = api_client.get("/api/v1/products").json()["results"]
    from_models = OfferSerializer(selectors.offer_list(), many=True).data

    assert page == [dict(offer) for offer in from_models]
    assert [list(offer) for offer in page] == [list(offer) for offer in from_models]
    assert [offer["price"] for offer in page] == ["120.50", "99999999.99", "7.00"]


def test_the_rows_read_the_columns_the_serializer_shows():
    assert OFFER_ROWS.columns == [
        "id",
        "external_id",
        "model",
        "product__id",
        "product__name",
        "product__category",
        "shop__id",
        "shop__name",
        "quantity",
        "price",
        "price_rrc",
    ]
    assert OFFER_ROWS.lists["product_parameters"].columns == ["parameter__name", "value"]


def test_a_computed_field_cannot_come_from_a_row():
    class Computed(serializers.Serializer):
        total = serializers.SerializerMethodField()

        def get_total(self, obj) -> int:
            return 0

    with pytest.raises(TypeError, match="total"):
        assert RowShape(Computed).columns
