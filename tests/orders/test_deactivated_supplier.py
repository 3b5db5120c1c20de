"""A deactivated supplier's shop takes no orders, as a shop switched off; once the account is
active again the shop takes them again, its own switch permitting."""

import pytest
from django.core import mail

from procurement.accounts.models import User
from procurement.catalog.models import Offer
from procurement.orders.models import Order, OrderItem, OrderState
from tests.support.factories import OfferFactory, ShopFactory
from tests.support.orders import fill_basket

BASKET = "/api/v1/basket"
ORDER = "/api/v1/order"

pytestmark = pytest.mark.django_db


def set_owner_active(shop, active: bool) -> None:
    User.objects.filter(pk=shop.user_id).update(is_active=active)


def basket_lines(user) -> list[tuple[int, int]]:
    return sorted(
        OrderItem.objects.filter(order__user=user, order__state=OrderState.BASKET).values_list(
            "offer_id", "quantity"
        )
    )


def stock(*offers) -> list[int]:
    return [Offer.objects.get(pk=offer.pk).quantity for offer in offers]


def test_basket_add_names_the_shop_of_a_deactivated_supplier(buyer_client, buyer, offer):
    closed = OfferFactory(shop=ShopFactory(name="Сломанный"))
    fill_basket(buyer, (offer, 1))
    set_owner_active(closed.shop, False)

    response = buyer_client.post(
        BASKET,
        {
            "items": [
                {"product_info": offer.id, "quantity": 1},
                {"product_info": closed.id, "quantity": 1},
            ]
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "Status": False,
        "Errors": {"items": {str(closed.id): ["The shop Сломанный does not accept orders now."]}},
    }
    assert basket_lines(buyer) == [(offer.id, 1)]

    set_owner_active(closed.shop, True)
    response = buyer_client.post(
        BASKET, {"items": [{"product_info": closed.id, "quantity": 2}]}, format="json"
    )
    assert response.status_code == 201
    assert basket_lines(buyer) == sorted([(offer.id, 1), (closed.id, 2)])


def test_basket_add_refuses_an_ownerless_shop(buyer_client, buyer):
    ownerless = OfferFactory(shop=ShopFactory(name="Ничей", user=None))
    response = buyer_client.post(
        BASKET, {"items": [{"product_info": ownerless.id, "quantity": 1}]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["Errors"]["items"] == {
        str(ownerless.id): ["The shop Ничей does not accept orders now."]
    }
    assert basket_lines(buyer) == []


def test_placing_is_409_naming_the_shop_of_a_deactivated_supplier(
    buyer_client, commit_callbacks, buyer, contact, offer, other_offer
):
    basket = fill_basket(buyer, (offer, 1), (other_offer, 1))
    set_owner_active(other_offer.shop, False)

    with commit_callbacks():
        response = buyer_client.post(ORDER, {"id": basket.id, "contact": contact.id})

    assert response.status_code == 409
    assert response.json() == {
        "Status": False,
        "Errors": "These shops do not accept orders now: Эльдорадо.",
        "shops": ["Эльдорадо"],
    }
    assert Order.objects.get(pk=basket.id).state == OrderState.BASKET
    assert stock(offer, other_offer) == [14, 3]
    assert mail.outbox == []

    set_owner_active(other_offer.shop, True)
    with commit_callbacks():
        response = buyer_client.post(ORDER, {"id": basket.id, "contact": contact.id})
    assert response.status_code == 200
    assert Order.objects.get(pk=basket.id).state == OrderState.NEW
    assert stock(offer, other_offer) == [13, 2]


def test_a_reactivated_supplier_whose_switch_is_off_stays_closed(
    buyer_client, commit_callbacks, buyer, contact, offer
):
    basket = fill_basket(buyer, (offer, 1))
    offer.shop.accepts_orders = False
    offer.shop.save()
    set_owner_active(offer.shop, False)
    set_owner_active(offer.shop, True)

    with commit_callbacks():
        response = buyer_client.post(ORDER, {"id": basket.id, "contact": contact.id})

    assert response.status_code == 409
    assert response.json()["shops"] == ["Связной"]
    assert stock(offer) == [14]


def test_placing_is_409_for_a_shop_that_lost_its_owner(
    buyer_client, commit_callbacks, buyer, contact, offer
):
    basket = fill_basket(buyer, (offer, 1))
    offer.shop.user = None
    offer.shop.save()

    with commit_callbacks():
        response = buyer_client.post(ORDER, {"id": basket.id, "contact": contact.id})

    assert response.status_code == 409
    assert response.json()["shops"] == ["Связной"]
    assert Order.objects.get(pk=basket.id).state == OrderState.BASKET
    assert stock(offer) == [14]
