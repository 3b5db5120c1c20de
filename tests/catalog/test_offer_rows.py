import pytest

from procurement.catalog import selectors
from procurement.catalog.api.serializers import OfferSerializer
from tests.catalog.factories import OfferFactory

pytestmark = pytest.mark.django_db


def test_catalog_pages_show_offers_exactly_as_the_offer_serializer_does():
    OfferFactory(price="120.5", price_rrc="0", parameters={"Цвет": "синий", "Вес": 250})
    OfferFactory(price="99999999.99", model="", parameters={})
    OfferFactory(price="7", parameters={"Smart": True})

    from_rows = selectors.offers_from_rows(list(selectors.offer_rows()))
    from_models = OfferSerializer(selectors.offer_list(), many=True).data

    assert from_rows == [dict(offer) for offer in from_models]
    assert [offer["price"] for offer in from_rows] == ["120.50", "99999999.99", "7.00"]
