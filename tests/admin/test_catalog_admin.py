"""What staff change in the admin is what buyers find: the search text follows every edit of
an offer, its parameter values and its product's name."""

import pytest
from rest_framework.test import APIClient

from procurement.catalog.models import Offer, OfferParameter
from tests.support.factories import OfferFactory, ProductFactory

pytestmark = pytest.mark.django_db


def found(words: str) -> list[int]:
    response = APIClient().get("/api/v1/products", {"search": words})
    assert response.status_code == 200
    return [offer["id"] for offer in response.json()["results"]]


def offer_form(offer: Offer, **changes) -> dict:
    """The admin's change form of an offer as it comes, with `changes` applied."""
    parameters = list(offer.parameters.order_by("id"))
    data = {
        "external_id": offer.external_id,
        "model": offer.model,
        "product": offer.product_id,
        "shop": offer.shop_id,
        "quantity": offer.quantity,
        "price": offer.price,
        "price_rrc": offer.price_rrc,
        "parameters-TOTAL_FORMS": len(parameters),
        "parameters-INITIAL_FORMS": len(parameters),
        "parameters-MIN_NUM_FORMS": 0,
        "parameters-MAX_NUM_FORMS": 1000,
    }
    for index, parameter in enumerate(parameters):
        data.update(
            {
                f"parameters-{index}-id": parameter.pk,
                f"parameters-{index}-offer": offer.pk,
                f"parameters-{index}-parameter": parameter.parameter_id,
                f"parameters-{index}-value": parameter.value,
            }
        )
    data.update(changes)
    return data


def test_an_offer_edited_in_the_admin_is_found_by_its_new_model(staff_client):
    offer = OfferFactory(model="old-model-17")
    assert found("old-model-17") == [offer.pk]

    response = staff_client.post(
        f"/admin/catalog/offer/{offer.pk}/change/", offer_form(offer, model="new-model-42")
    )

    assert response.status_code == 302
    assert Offer.objects.get(pk=offer.pk).model == "new-model-42"
    assert found("new-model-42") == [offer.pk]
    assert found("old-model-17") == []


def test_a_parameter_value_edited_in_the_admin_is_found(staff_client):
    offer = OfferFactory(parameters={"Цвет": "синий"})
    other = OfferFactory(parameters={"Цвет": "красный"})
    assert found("синий") == [offer.pk]

    response = staff_client.post(
        f"/admin/catalog/offer/{offer.pk}/change/",
        offer_form(offer, **{"parameters-0-value": "Изумрудный"}),
    )

    assert response.status_code == 302
    assert OfferParameter.objects.get(offer=offer).value == "Изумрудный"
    assert found("изумрудный") == [offer.pk]
    assert found("синий") == []
    assert found("красный") == [other.pk]


def test_a_product_renamed_in_the_admin_finds_its_offers_by_the_new_name(staff_client):
    product = ProductFactory(name="Чайник")
    offers = [OfferFactory(product=product), OfferFactory(product=product)]
    untouched = OfferFactory(product=ProductFactory(name="Чайник заварочный"))

    response = staff_client.post(
        f"/admin/catalog/product/{product.pk}/change/",
        {"name": "Самовар", "category": product.category_id},
    )

    assert response.status_code == 302
    assert found("самовар") == [offer.pk for offer in offers]
    assert found("чайник") == [untouched.pk]
