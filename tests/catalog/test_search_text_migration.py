"""Migration catalog/0007 folds the punctuation of the search texts already stored (and
unfolds it going back), so that the offers written before are found as they were."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient

from procurement.catalog.models import Offer
from tests.support.factories import OfferFactory, ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("catalog", "0006_offer_names")]


def migrate(targets) -> None:
    MigrationExecutor(connection).migrate(targets)


def latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def test_stored_search_texts_are_folded_forward_and_unfolded_back():
    dashed = OfferFactory(model="sony/m-2024", product=ProductFactory(name="Чайник (белый)"))
    plain = OfferFactory(model="hp", product=ProductFactory(name="Утюг"))
    folded = Offer.objects.get(pk=dashed.pk).search_text
    try:
        migrate(BEFORE)
        texts = dict(Offer.objects.values_list("pk", "search_text"))
        assert texts == {dashed.pk: "чайник (белый) sony/m-2024", plain.pk: "утюг hp"}
    finally:
        migrate(latest())
    assert dict(Offer.objects.values_list("pk", "search_text")) == {
        dashed.pk: folded,
        plain.pk: "утюг hp",
    }
    response = APIClient().get("/api/v1/products", {"search": "m-2024 (белый)"})
    assert [offer["id"] for offer in response.json()["results"]] == [dashed.pk]
