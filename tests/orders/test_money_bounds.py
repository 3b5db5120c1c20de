"""Every basket the service accepts can be read, and placed or refused with a 4xx: no line
sum or total beyond what an order's `total_sum` column holds (9,999,999,999.99)."""

from decimal import Decimal

import pytest
from django.core import mail

from procurement.catalog.models import Offer
from procurement.orders.models import Order, OrderItem, OrderState
from procurement.orders.services import MAX_ORDER_TOTAL, basket_get_or_create
from procurement.pricelists.validate import PriceListInvalid, validate_pricelist
from tests.support.factories import OfferFactory
from tests.support.orders import fill_basket
from tests.support.pricelists import shop1_document, with_good

BASKET = "/api/v1/basket"
ORDER = "/api/v1/order"
HIGHEST = "9999999999.99"

pytestmark = pytest.mark.django_db


def basket_lines(user) -> list[tuple[int, int]]:
    return sorted(
        OrderItem.objects.filter(order__user=user, order__state=OrderState.BASKET).values_list(
            "offer_id", "quantity"
        )
    )


def stock(offers) -> list[int]:
    return list(
        Offer.objects.filter(pk__in=[offer.pk for offer in offers])
        .order_by("pk")
        .values_list("quantity", flat=True)
    )


def old_basket(user, lines) -> Order:
    """A basket as one filled before the bounds (or before its prices rose) may be."""
    basket = basket_get_or_create(user=user)
    OrderItem.objects.bulk_create(
        OrderItem(order=basket, offer=offer, quantity=quantity) for offer, quantity in lines
    )
    return basket


@pytest.fixture
def twenty_expensive_offers():
    return [OfferFactory(price="110000.00", quantity=1_000_000) for _ in range(20)]


def test_the_bound_is_what_an_order_total_holds():
    field = Order._meta.get_field("total_sum")
    assert Decimal(HIGHEST) == MAX_ORDER_TOTAL
    assert len(HIGHEST.replace(".", "")) == field.max_digits


def test_twenty_lines_of_a_million_at_110000_are_refused(
    buyer_client, buyer, twenty_expensive_offers
):
    items = [{"product_info": offer.id, "quantity": 1_000_000} for offer in twenty_expensive_offers]

    response = buyer_client.post(BASKET, {"items": items}, format="json")

    assert response.status_code == 400
    errors = response.json()["Errors"]
    assert errors["items"][str(twenty_expensive_offers[0].id)] == [
        "This line would sum to 110000000000.00, more than an order can hold (9999999999.99)."
    ]
    assert len(errors["items"]) == 20
    assert errors["total_sum"] == [
        "The basket would sum to 2200000000000.00, more than an order can hold (9999999999.99)."
    ]
    assert basket_lines(buyer) == []
    assert buyer_client.get(BASKET).status_code == 200


def test_lines_each_within_the_bound_may_not_sum_beyond_it(buyer_client, buyer):
    first, second = (OfferFactory(price=HIGHEST, quantity=5) for _ in range(2))

    response = buyer_client.post(
        BASKET, {"items": [{"product_info": first.id, "quantity": 1}]}, format="json"
    )
    assert response.status_code == 201
    assert buyer_client.get(BASKET).json()["total_sum"] == HIGHEST

    response = buyer_client.post(
        BASKET, {"items": [{"product_info": second.id, "quantity": 1}]}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "Status": False,
        "Errors": {
            "total_sum": [
                "The basket would sum to 19999999999.98, more than an order can hold "
                "(9999999999.99)."
            ]
        },
    }
    response = buyer_client.post(
        BASKET, {"items": [{"product_info": first.id, "quantity": 1}]}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["Errors"]["items"]) == [str(first.id)]
    assert basket_lines(buyer) == [(first.id, 1)]


def test_a_basket_at_the_bound_is_placed(buyer_client, commit_callbacks, buyer, contact):
    offer = OfferFactory(price="3333333333.33", quantity=5)
    basket = fill_basket(buyer, (offer, 3))

    with commit_callbacks():
        response = buyer_client.post(ORDER, {"id": basket.id, "contact": contact.id})

    assert response.status_code == 200
    assert Order.objects.get(pk=basket.id).total_sum == Decimal(HIGHEST)
    assert buyer_client.get(f"{ORDER}/{basket.id}").json()["total_sum"] == HIGHEST


def test_update_refuses_a_raise_beyond_the_bound_and_changes_nothing(buyer_client, buyer):
    offer = OfferFactory(price="5000000000.00", quantity=5)
    other = OfferFactory(price="1.00", quantity=5)
    fill_basket(buyer, (offer, 1), (other, 1))
    line = OrderItem.objects.get(offer=offer)

    response = buyer_client.put(BASKET, {"items": [{"id": line.id, "quantity": 2}]}, format="json")

    assert response.status_code == 400
    assert response.json()["Errors"] == {
        "items": {
            str(line.id): [
                "This line would sum to 10000000000.00, more than an order can hold "
                "(9999999999.99)."
            ]
        },
        "total_sum": [
            "The basket would sum to 10000000001.00, more than an order can hold (9999999999.99)."
        ],
    }
    assert basket_lines(buyer) == sorted([(offer.id, 1), (other.id, 1)])


def test_an_old_basket_beyond_the_bound_is_read_and_its_placement_refused(
    buyer_client, commit_callbacks, buyer, contact, twenty_expensive_offers
):
    basket = old_basket(buyer, [(offer, 1_000_000) for offer in twenty_expensive_offers])

    for _ in range(2):  # and again: reading it changes nothing
        response = buyer_client.get(BASKET)
        assert response.status_code == 200
        body = response.json()
        assert body["total_sum"] == "2200000000000.00"
        assert {line["sum"] for line in body["ordered_items"]} == {"110000000000.00"}

    with commit_callbacks():
        response = buyer_client.post(ORDER, {"id": basket.id, "contact": contact.id})

    assert response.status_code == 409
    assert response.json() == {
        "Status": False,
        "Errors": "The order would sum to 2200000000000.00, more than an order can hold "
        "(9999999999.99).",
        "total_sum": "2200000000000.00",
    }
    assert Order.objects.get(pk=basket.id).state == OrderState.BASKET
    assert stock(twenty_expensive_offers) == [1_000_000] * 20
    assert mail.outbox == []


def test_two_lines_at_the_highest_price_are_refused_not_overflowed(
    buyer_client, commit_callbacks, buyer, contact
):
    offers = [OfferFactory(price=HIGHEST, quantity=1) for _ in range(2)]
    basket = old_basket(buyer, [(offer, 1) for offer in offers])

    with commit_callbacks():
        response = buyer_client.post(ORDER, {"id": basket.id, "contact": contact.id})

    assert response.status_code == 409
    assert response.json()["total_sum"] == "19999999999.98"
    assert Order.objects.get(pk=basket.id).state == OrderState.BASKET
    assert Order.objects.get(pk=basket.id).total_sum == 0
    assert stock(offers) == [1, 1]


def test_a_basket_whose_prices_rose_beyond_the_bound_can_be_brought_back(
    buyer_client, commit_callbacks, buyer, contact
):
    offer = OfferFactory(price="1000.00", quantity=10)
    fill_basket(buyer, (offer, 4))
    Offer.objects.filter(pk=offer.pk).update(price="4000000000.00")
    line = OrderItem.objects.get(offer=offer)

    assert buyer_client.get(BASKET).json()["total_sum"] == "16000000000.00"
    raised = buyer_client.put(BASKET, {"items": [{"id": line.id, "quantity": 5}]}, format="json")
    assert raised.status_code == 400
    assert basket_lines(buyer) == [(offer.id, 4)]

    # Lowered but still beyond: allowed, it only gets closer to what can be placed.
    lowered = buyer_client.put(BASKET, {"items": [{"id": line.id, "quantity": 3}]}, format="json")
    assert lowered.status_code == 200
    assert basket_lines(buyer) == [(offer.id, 3)]
    basket_id = buyer_client.get(BASKET).json()["id"]
    with commit_callbacks():
        assert buyer_client.post(ORDER, {"id": basket_id, "contact": contact.id}).status_code == 409

    assert (
        buyer_client.put(
            BASKET, {"items": [{"id": line.id, "quantity": 2}]}, format="json"
        ).status_code
        == 200
    )
    with commit_callbacks():
        assert buyer_client.post(ORDER, {"id": basket_id, "contact": contact.id}).status_code == 200
    assert Order.objects.get(pk=basket_id).total_sum == Decimal("8000000000.00")


def test_a_price_list_price_beyond_an_order_total_names_the_good():
    assert validate_pricelist(with_good(shop1_document(), 2, price=9_999_999_999.99))
    with pytest.raises(PriceListInvalid) as caught:
        validate_pricelist(with_good(shop1_document(), 2, price=10_000_000_000))
    (error,) = caught.value.problems
    good = shop1_document()["goods"][2]
    assert {key: error[key] for key in ("section", "index", "id", "field")} == {
        "section": "goods",
        "index": 2,
        "id": good["id"],
        "field": "price",
    }
    assert error["error"] == "Must not be greater than 9999999999.99."
