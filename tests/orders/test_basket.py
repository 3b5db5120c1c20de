import json

import pytest

from procurement.catalog.models import Offer, Shop
from procurement.orders.models import Order, OrderItem, OrderState
from tests.support.factories import OfferFactory
from tests.support.orders import fill_basket

BASKET = "/api/v1/basket"

pytestmark = pytest.mark.django_db


def basket_lines(user) -> list[tuple[int, int]]:
    return sorted(
        OrderItem.objects.filter(order__user=user, order__state=OrderState.BASKET).values_list(
            "offer_id", "quantity"
        )
    )


def test_empty_basket(buyer_client, buyer):
    response = buyer_client.get(BASKET)
    assert response.status_code == 200
    basket = Order.objects.get(user=buyer, state=OrderState.BASKET)
    assert response.json() == {
        "id": basket.id,
        "state": "basket",
        "ordered_items": [],
        "total_sum": "0.00",
    }
    assert buyer_client.get(BASKET).json()["id"] == basket.id  # one basket, not one per request


def test_basket_with_lines_from_two_shops(buyer_client, buyer, offer, other_offer):
    fill_basket(buyer, (offer, 2), (other_offer, 1))
    body = buyer_client.get(BASKET).json()
    assert body["total_sum"] == "130990.50"
    lines = {line["product_info"]["id"]: line for line in body["ordered_items"]}
    assert lines[offer.id]["quantity"] == 2
    assert lines[offer.id]["sum"] == "130000.00"
    assert lines[offer.id]["product_info"]["shop"] == {"id": offer.shop.id, "name": "Связной"}
    assert lines[offer.id]["product_info"]["product_parameters"] == [
        {"parameter": "Цвет", "value": "красный"}
    ]
    assert lines[other_offer.id]["sum"] == "990.50"


def test_add_answers_the_basket_ready_to_place(buyer_client, buyer, offer, other_offer):
    fill_basket(buyer, (offer, 1))
    response = buyer_client.post(
        BASKET,
        {
            "items": [
                {"product_info": offer.id, "quantity": 1},
                {"product_info": other_offer.id, "quantity": 1},
            ]
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    basket = Order.objects.get(user=buyer, state=OrderState.BASKET)
    assert set(body) == {"Status", "Created", "basket"}
    assert body["Created"] == 2  # the offer already there counts: its quantity grew
    assert body["basket"]["id"] == basket.id
    assert body["basket"]["total_sum"] == "130990.50"
    assert sorted(
        (line["product_info"]["id"], line["quantity"]) for line in body["basket"]["ordered_items"]
    ) == basket_lines(buyer)


@pytest.mark.parametrize("encoding", ["json-array", "json-string", "form-string"])
def test_add_items_in_every_accepted_form(buyer_client, buyer, offer, other_offer, encoding):
    items = [
        {"product_info": offer.id, "quantity": 2},
        {"product_info": other_offer.id, "quantity": 1},
    ]
    if encoding == "json-array":
        response = buyer_client.post(BASKET, {"items": items}, format="json")
    elif encoding == "json-string":
        response = buyer_client.post(BASKET, {"items": json.dumps(items)}, format="json")
    else:
        response = buyer_client.post(BASKET, {"items": json.dumps(items)})
    assert response.status_code == 201
    body = response.json()
    assert (body["Status"], body["Created"]) == (True, 2)
    assert body["basket"] == buyer_client.get(BASKET).json()
    assert basket_lines(buyer) == sorted([(offer.id, 2), (other_offer.id, 1)])


def test_adding_an_offer_already_in_the_basket_adds_the_quantity(buyer_client, buyer, offer):
    fill_basket(buyer, (offer, 2))
    response = buyer_client.post(
        BASKET, {"items": [{"product_info": offer.id, "quantity": 3}]}, format="json"
    )
    assert response.status_code == 201
    assert basket_lines(buyer) == [(offer.id, 5)]


@pytest.mark.parametrize(
    "bad_item",
    [
        {"product_info": 999999, "quantity": 1},
        {"product_info": "OFFER", "quantity": 0},
        {"product_info": "OFFER", "quantity": -1},
        {"product_info": "OFFER", "quantity": 1.5},
        {"product_info": "OFFER", "quantity": "two"},
        {"product_info": "OFFER", "quantity": True},
        {"product_info": "OFFER", "quantity": 10**12},
        {"product_info": "OFFER"},
        {"quantity": 1},
        "OFFER",
        {"product_info": "WITHDRAWN", "quantity": 1},
        {"product_info": "CLOSED", "quantity": 1},
    ],
)
def test_one_bad_item_refuses_the_whole_request(buyer_client, buyer, offer, shop, bad_item):
    withdrawn = OfferFactory(shop=shop, is_withdrawn=True)
    closed = OfferFactory(shop__accepts_orders=False)
    fill_basket(buyer, (offer, 1))
    ids = {"OFFER": offer.id, "WITHDRAWN": withdrawn.id, "CLOSED": closed.id}
    if isinstance(bad_item, dict):
        bad_item = {
            key: ids.get(value, value) if isinstance(value, str) else value
            for key, value in bad_item.items()
        }
    else:
        bad_item = ids[bad_item]
    good_item = {"product_info": offer.id, "quantity": 1}

    response = buyer_client.post(BASKET, {"items": [good_item, bad_item]}, format="json")

    assert response.status_code == 400
    assert response.json()["Status"] is False
    assert basket_lines(buyer) == [(offer.id, 1)]


@pytest.mark.parametrize(
    "items", [None, "", "[", "[]", "{}", 5, "1,2", "[" * 100_000 + "]" * 100_000]
)
def test_add_refuses_malformed_items(buyer_client, buyer, items):
    payload = {} if items is None else {"items": items}
    response = buyer_client.post(BASKET, payload, format="json")
    assert response.status_code == 400
    assert "items" in response.json()["Errors"]
    assert basket_lines(buyer) == []


def test_update_quantities(buyer_client, buyer, offer, other_offer):
    basket = fill_basket(buyer, (offer, 2), (other_offer, 1))
    line = basket.ordered_items.get(offer=offer)
    response = buyer_client.put(BASKET, {"items": [{"id": line.id, "quantity": 7}]}, format="json")
    assert response.status_code == 200
    assert response.json() == {"Status": True, "Updated": 1}
    assert basket_lines(buyer) == sorted([(offer.id, 7), (other_offer.id, 1)])


def test_update_refuses_lines_of_another_basket_and_changes_nothing(buyer_client, buyer, offer):
    from tests.support.factories import UserFactory

    mine = fill_basket(buyer, (offer, 2)).ordered_items.get()
    theirs = fill_basket(UserFactory(), (offer, 1)).ordered_items.get()
    response = buyer_client.put(
        BASKET,
        {"items": [{"id": mine.id, "quantity": 5}, {"id": theirs.id, "quantity": 9}]},
        format="json",
    )
    assert response.status_code == 400
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.quantity, theirs.quantity) == (2, 1)


@pytest.mark.parametrize("quantity", [0, -3, "x", None])
def test_update_refuses_bad_quantity(buyer_client, buyer, offer, quantity):
    line = fill_basket(buyer, (offer, 2)).ordered_items.get()
    response = buyer_client.put(
        BASKET, {"items": [{"id": line.id, "quantity": quantity}]}, format="json"
    )
    assert response.status_code == 400
    line.refresh_from_db()
    assert line.quantity == 2


@pytest.mark.parametrize("form", ["list", "comma"])
def test_delete_lines(buyer_client, buyer, offer, other_offer, form):
    basket = fill_basket(buyer, (offer, 2), (other_offer, 1))
    line = basket.ordered_items.get(offer=offer)
    items = [line.id] if form == "list" else f"{line.id}"
    response = buyer_client.delete(BASKET, {"items": items}, format="json")
    assert response.status_code == 200
    assert response.json() == {"Status": True, "Deleted": 1}
    assert basket_lines(buyer) == [(other_offer.id, 1)]


def test_delete_never_touches_other_baskets_or_orders(buyer_client, buyer, offer):
    from tests.support.factories import UserFactory

    fill_basket(buyer, (offer, 1))
    theirs = fill_basket(UserFactory(), (offer, 1)).ordered_items.get()
    response = buyer_client.delete(BASKET, {"items": f"{theirs.id}"}, format="json")
    assert response.status_code == 200
    assert response.json()["Deleted"] == 0
    assert OrderItem.objects.filter(pk=theirs.pk).exists()


def test_basket_needs_authentication(api_client):
    assert api_client.get(BASKET).status_code == 401
    assert api_client.post(BASKET, {"items": []}, format="json").status_code == 401


def test_basket_shows_todays_price(buyer_client, buyer, offer):
    fill_basket(buyer, (offer, 1))
    offer.price = "60000.00"
    offer.save()
    assert buyer_client.get(BASKET).json()["total_sum"] == "60000.00"


def close(offer, how: str) -> None:
    """Withdraw the offer or switch its shop off, after it went into a basket."""
    if how == "withdrawn":
        Offer.objects.filter(pk=offer.pk).update(is_withdrawn=True)
    else:
        Shop.objects.filter(pk=offer.shop_id).update(accepts_orders=False)


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("withdrawn", "No such offer in the catalog."),
        ("shop", "The shop Связной does not accept orders now."),
    ],
)
def test_update_refuses_raising_a_line_post_would_refuse(buyer_client, buyer, offer, how, message):
    line = fill_basket(buyer, (offer, 2)).ordered_items.get()
    close(offer, how)
    post = buyer_client.post(
        BASKET, {"items": [{"product_info": offer.id, "quantity": 1}]}, format="json"
    )
    assert post.status_code == 400
    assert post.json()["Errors"] == {"items": {str(offer.id): [message]}}

    response = buyer_client.put(BASKET, {"items": [{"id": line.id, "quantity": 6}]}, format="json")

    assert response.status_code == 400
    assert response.json() == {"Status": False, "Errors": {"items": {str(line.id): [message]}}}
    line.refresh_from_db()
    assert line.quantity == 2


@pytest.mark.parametrize("quantity", [1, 2])
@pytest.mark.parametrize("how", ["withdrawn", "shop"])
def test_update_still_lowers_or_keeps_a_line_post_would_refuse(
    buyer_client, buyer, offer, quantity, how
):
    line = fill_basket(buyer, (offer, 2)).ordered_items.get()
    close(offer, how)

    response = buyer_client.put(
        BASKET, {"items": [{"id": line.id, "quantity": quantity}]}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {"Status": True, "Updated": 1}
    line.refresh_from_db()
    assert line.quantity == quantity


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "This line is given more than once."),
        ("ru", "Эта строка указана в запросе несколько раз."),
    ],
)
def test_update_refuses_a_line_given_twice_and_changes_nothing(
    buyer_client, buyer, offer, other_offer, language, message
):
    basket = fill_basket(buyer, (offer, 3), (other_offer, 1))
    line = basket.ordered_items.get(offer=offer)
    other = basket.ordered_items.get(offer=other_offer)
    items = [
        {"id": line.id, "quantity": 7},
        {"id": other.id, "quantity": 2},
        {"id": line.id, "quantity": 2},
    ]

    response = buyer_client.put(
        BASKET, {"items": items}, format="json", HTTP_ACCEPT_LANGUAGE=language
    )

    assert response.status_code == 400
    assert response.json() == {"Status": False, "Errors": {"items": {str(line.id): [message]}}}
    assert basket_lines(buyer) == sorted([(offer.id, 3), (other_offer.id, 1)])


def test_delete_takes_a_line_given_twice_once(buyer_client, buyer, offer, other_offer):
    # Removing a line twice means the same as removing it once, so it is not refused.
    basket = fill_basket(buyer, (offer, 2), (other_offer, 1))
    line = basket.ordered_items.get(offer=offer)
    response = buyer_client.delete(BASKET, {"items": [line.id, line.id]}, format="json")
    assert response.status_code == 200
    assert response.json() == {"Status": True, "Deleted": 1}
    assert basket_lines(buyer) == [(other_offer.id, 1)]
