"""Each supplier fulfils its own part of an order: the part's states and history, the order
following its parts, the buyer's and staff's moves, and short deliveries."""

from decimal import Decimal

import pytest
from django.core import mail

from procurement.catalog.models import Offer
from procurement.orders.models import (
    ALLOWED_TRANSITIONS,
    Order,
    OrderItem,
    OrderPart,
    OrderPartStateChange,
    OrderState,
    ShortDelivery,
    state_of_parts,
)
from tests.support.clients import client_for
from tests.support.factories import OfferFactory, ShopFactory, UserFactory
from tests.support.orders import fill_basket, place

ORDER = "/api/v1/order"
PARTNER_ORDERS = "/api/v1/partner/orders"
PLACED_STATES = [state for state in OrderState.values if state != OrderState.BASKET]

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True)


@pytest.fixture
def order(buyer, contact, offer, other_offer):
    """Two units of the first shop's offer, one of the second's."""
    return place(buyer, contact, (offer, 2), (other_offer, 1))


def part_of(order, offer) -> OrderPart:
    return OrderPart.objects.get(order=order, shop=offer.shop)


def stock(offer) -> int:
    return Offer.objects.get(pk=offer.pk).quantity


def as_supplier(offer, commit_callbacks, order_id, body):
    with commit_callbacks():
        return client_for(offer.shop.user).patch(
            f"{PARTNER_ORDERS}/{order_id}", body, format="json"
        )


def as_client(client, commit_callbacks, order_id, body):
    with commit_callbacks():
        return client.patch(f"{ORDER}/{order_id}", body, format="json")


def part_states(order) -> list[str]:
    return list(
        OrderPart.objects.filter(order=order).order_by("pk").values_list("state", flat=True)
    )


def test_placing_makes_one_part_per_shop_and_the_buyer_sees_them(
    buyer, buyer_client, order, offer, other_offer
):
    first, second = OrderPart.objects.filter(order=order).order_by("pk")
    assert (first.shop_id, second.shop_id) == (offer.shop_id, other_offer.shop_id)
    assert (first.shop_name, second.shop_name) == ("Связной", "Эльдорадо")
    assert [(c.from_state, c.to_state, c.changed_by_id) for c in first.history.all()] == [
        ("basket", "new", buyer.id)
    ]

    body = buyer_client.get(f"{ORDER}/{order.id}").json()

    lines = {line["product_info"]["id"]: line["id"] for line in body["ordered_items"]}
    assert body["parts"] == [
        {
            "id": first.id,
            "shop": {"id": offer.shop_id, "name": "Связной"},
            "state": "new",
            "sum": "130000.00",
            "items": [lines[offer.id]],
            "history": [
                {"state": "new", "at": body["parts"][0]["history"][0]["at"], "by": "buyer"}
            ],
            "short_deliveries": [],
        },
        {
            "id": second.id,
            "shop": {"id": other_offer.shop_id, "name": "Эльдорадо"},
            "state": "new",
            "sum": "990.50",
            "items": [lines[other_offer.id]],
            "history": [
                {"state": "new", "at": body["parts"][1]["history"][0]["at"], "by": "buyer"}
            ],
            "short_deliveries": [],
        },
    ]
    assert body["state"] == "new"


def test_a_failed_placement_makes_no_parts(buyer, buyer_client, contact, offer):
    basket = fill_basket(buyer, (offer, 20))  # more than the 14 in stock
    response = buyer_client.post(ORDER, {"id": basket.id, "contact": contact.id}, format="json")
    assert response.status_code == 409
    assert OrderPart.objects.count() == 0
    assert OrderPartStateChange.objects.count() == 0


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        (["new", "delivered"], "new"),
        (["sent", "confirmed", "assembled"], "confirmed"),
        (["canceled", "sent"], "sent"),
        (["canceled", "delivered"], "delivered"),
        (["canceled", "canceled"], "canceled"),
    ],
)
def test_the_order_is_as_far_as_its_least_advanced_part_not_canceled(states, expected):
    assert state_of_parts(states) == expected


def test_the_supplier_walks_its_part_and_the_order_follows_the_slower_part(
    buyer, commit_callbacks, order, offer, other_offer
):
    for state in ["confirmed", "assembled", "sent", "delivered"]:
        response = as_supplier(offer, commit_callbacks, order.id, {"state": state})
        assert response.status_code == 200, response.json()
        body = response.json()
        assert (body["Status"], body["state"], body["order_state"]) == (True, state, "new")
        assert body["part"]["history"][-1]["state"] == state
        assert body["part"]["history"][-1]["by"] == "supplier"

    assert part_states(order) == ["delivered", "new"]
    assert Order.objects.get(pk=order.pk).state == "new"
    assert [(c.to_state, c.changed_by_id) for c in part_of(order, offer).history.all()] == [
        ("new", buyer.id),
        *[(state, offer.shop.user_id) for state in ["confirmed", "assembled", "sent", "delivered"]],
    ]
    # One email to the buyer per change, naming the supplier.
    assert [message.to for message in mail.outbox] == [[buyer.email]] * 4
    assert mail.outbox[0].subject == f"Order {order.id}: Связной is now confirmed"
    assert "Связной" in mail.outbox[0].body and "new" in mail.outbox[0].body

    mail.outbox.clear()
    response = as_supplier(other_offer, commit_callbacks, order.id, {"state": "confirmed"})
    assert response.json()["order_state"] == "confirmed"
    order.refresh_from_db()
    assert order.state == "confirmed"
    assert list(order.history.values_list("from_state", "to_state")) == [
        ("basket", "new"),
        ("new", "confirmed"),
    ]
    assert order.history.last().changed_by_id == other_offer.shop.user_id
    assert [message.subject for message in mail.outbox] == [
        f"Order {order.id}: Эльдорадо is now confirmed"
    ]


def every_disallowed_part_move():
    return [
        (source, target)
        for source in PLACED_STATES
        for target in PLACED_STATES
        if target not in ALLOWED_TRANSITIONS[source]
    ]


@pytest.mark.parametrize(("source", "target"), every_disallowed_part_move())
def test_the_supplier_gets_409_for_every_move_the_map_does_not_allow(
    commit_callbacks, order, offer, source, target
):
    OrderPart.objects.filter(order=order, shop=offer.shop).update(state=source)
    stock_before = stock(offer)
    response = as_supplier(offer, commit_callbacks, order.id, {"state": target})
    assert response.status_code == 409
    assert response.json()["Status"] is False
    assert part_of(order, offer).state == source
    assert part_of(order, offer).history.count() == 1
    assert Order.objects.get(pk=order.pk).state == "new"
    assert stock(offer) == stock_before
    assert mail.outbox == []


def test_a_supplier_never_touches_another_suppliers_part(
    commit_callbacks, buyer, contact, order, offer, other_offer
):
    stranger = OfferFactory(shop=ShopFactory(), quantity=5)
    response = as_supplier(stranger, commit_callbacks, order.id, {"state": "canceled"})
    assert response.status_code == 404
    assert response.json() == {"Status": False, "Errors": "No such order."}
    assert client_for(stranger.shop.user).get(f"{PARTNER_ORDERS}/{order.id}").status_code == 404
    # An order without the supplier's goods, a basket and a missing order are all 404.
    own_only = place(buyer, contact, (other_offer, 1))
    basket = fill_basket(buyer, (offer, 1))
    for order_id in (own_only.id, basket.id, 999999):
        assert (
            as_supplier(offer, commit_callbacks, order_id, {"state": "confirmed"}).status_code
            == 404
        )
    assert part_states(order) == ["new", "new"]
    assert part_states(own_only) == ["new"]
    assert mail.outbox == []


def test_buyers_cannot_use_the_supplier_endpoint(buyer_client, api_client, order):
    for client in (buyer_client, api_client):
        response = client.patch(
            f"{PARTNER_ORDERS}/{order.id}", {"state": "canceled"}, format="json"
        )
        assert response.status_code in (401, 403)
    assert part_states(order) == ["new", "new"]


def test_a_supplier_canceling_its_part_returns_only_its_stock_once(
    commit_callbacks, buyer, order, offer, other_offer
):
    assert (stock(offer), stock(other_offer)) == (12, 2)
    assert as_supplier(offer, commit_callbacks, order.id, {"state": "canceled"}).status_code == 200
    assert (stock(offer), stock(other_offer)) == (14, 2)
    assert as_supplier(offer, commit_callbacks, order.id, {"state": "canceled"}).status_code == 409
    assert (stock(offer), stock(other_offer)) == (14, 2)
    assert part_states(order) == ["canceled", "new"]
    assert Order.objects.get(pk=order.pk).state == "new"

    assert (
        as_supplier(other_offer, commit_callbacks, order.id, {"state": "canceled"}).status_code
        == 200
    )
    assert (stock(offer), stock(other_offer)) == (14, 3)
    order.refresh_from_db()
    assert order.state == "canceled"
    assert list(order.history.values_list("to_state", flat=True)) == ["new", "canceled"]


def test_the_partner_list_shows_its_part_and_filters_by_its_state(
    commit_callbacks, order, offer, other_offer
):
    as_supplier(offer, commit_callbacks, order.id, {"state": "confirmed"})
    first = client_for(offer.shop.user)
    (row,) = first.get(PARTNER_ORDERS).json()["results"]
    assert (row["state"], row["order_state"], row["total_sum"]) == ("confirmed", "new", "130000.00")
    assert row["part"]["id"] == part_of(order, offer).id
    assert [entry["state"] for entry in row["part"]["history"]] == ["new", "confirmed"]
    assert [line["product_info"]["id"] for line in row["ordered_items"]] == [offer.id]
    assert first.get(f"{PARTNER_ORDERS}/{order.id}").json() == row
    assert first.get(PARTNER_ORDERS, {"state": "confirmed"}).json()["count"] == 1
    assert first.get(PARTNER_ORDERS, {"state": "new"}).json()["count"] == 0
    # The other supplier's part is still new: the filter is its own part's state.
    second = client_for(other_offer.shop.user)
    assert second.get(PARTNER_ORDERS, {"state": "new"}).json()["count"] == 1
    assert second.get(PARTNER_ORDERS, {"state": "confirmed"}).json()["count"] == 0


def test_the_buyer_cancels_one_new_part(
    buyer, buyer_client, commit_callbacks, order, offer, other_offer
):
    part = part_of(order, other_offer)
    response = as_client(
        buyer_client, commit_callbacks, order.id, {"state": "canceled", "part": part.id}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [p["state"] for p in body["parts"]] == ["new", "canceled"]
    assert body["parts"][1]["history"][-1]["by"] == "buyer"
    assert body["state"] == "new"
    assert (stock(offer), stock(other_offer)) == (12, 3)
    assert [message.subject for message in mail.outbox] == [
        f"Order {order.id}: Эльдорадо is now canceled"
    ]


def test_the_buyer_may_not_cancel_a_part_once_confirmed_nor_move_a_part(
    buyer_client, commit_callbacks, order, offer
):
    part = part_of(order, offer)
    response = as_client(
        buyer_client, commit_callbacks, order.id, {"state": "confirmed", "part": part.id}
    )
    assert response.status_code == 403
    as_supplier(offer, commit_callbacks, order.id, {"state": "confirmed"})
    mail.outbox.clear()
    response = as_client(
        buyer_client, commit_callbacks, order.id, {"state": "canceled", "part": part.id}
    )
    assert response.status_code == 403
    assert part_states(order) == ["confirmed", "new"]
    assert stock(offer) == 12
    assert mail.outbox == []


def test_a_part_of_another_order_is_404(
    buyer, buyer_client, commit_callbacks, contact, order, offer
):
    other_order = place(buyer, contact, (offer, 1))
    foreign = part_of(other_order, offer)
    response = as_client(
        buyer_client, commit_callbacks, order.id, {"state": "canceled", "part": foreign.id}
    )
    assert response.status_code == 404
    assert part_states(order) == ["new", "new"]
    assert part_states(other_order) == ["new"]


def test_the_buyer_cancels_the_whole_order_only_while_every_part_is_new(
    buyer_client, commit_callbacks, order, offer, other_offer
):
    as_supplier(offer, commit_callbacks, order.id, {"state": "confirmed"})
    response = as_client(buyer_client, commit_callbacks, order.id, {"state": "canceled"})
    assert response.status_code == 403
    assert part_states(order) == ["confirmed", "new"]
    assert (stock(offer), stock(other_offer)) == (12, 2)


def test_the_buyer_cancels_the_whole_new_order_with_one_email(
    buyer, buyer_client, commit_callbacks, order, offer, other_offer
):
    response = as_client(buyer_client, commit_callbacks, order.id, {"state": "canceled"})
    assert response.status_code == 200
    assert part_states(order) == ["canceled", "canceled"]
    assert Order.objects.get(pk=order.pk).state == "canceled"
    assert (stock(offer), stock(other_offer)) == (14, 3)
    assert [message.to for message in mail.outbox] == [[buyer.email]]
    assert "Связной" in mail.outbox[0].body and "Эльдорадо" in mail.outbox[0].body


def test_staff_moves_every_part_that_can_move(commit_callbacks, staff, order, offer, other_offer):
    as_supplier(offer, commit_callbacks, order.id, {"state": "confirmed"})
    staff_client = client_for(staff)
    # Only the confirmed part can be assembled; the order stays as far as its new part.
    response = as_client(staff_client, commit_callbacks, order.id, {"state": "assembled"})
    assert response.status_code == 200
    assert part_states(order) == ["assembled", "new"]
    assert response.json()["state"] == "new"
    # Confirming moves only the new part; now both are at least confirmed.
    response = as_client(staff_client, commit_callbacks, order.id, {"state": "confirmed"})
    assert part_states(order) == ["assembled", "confirmed"]
    assert response.json()["state"] == "confirmed"
    assert part_of(order, other_offer).history.last().changed_by_id == staff.id
    # A move no part can make is 409 and changes nothing.
    response = as_client(staff_client, commit_callbacks, order.id, {"state": "delivered"})
    assert response.status_code == 409
    assert part_states(order) == ["assembled", "confirmed"]
    # Canceling takes only the parts that can still be canceled.
    as_supplier(offer, commit_callbacks, order.id, {"state": "sent"})
    response = as_client(staff_client, commit_callbacks, order.id, {"state": "canceled"})
    assert part_states(order) == ["sent", "canceled"]
    assert response.json()["state"] == "sent"
    assert (stock(offer), stock(other_offer)) == (12, 3)


def test_staff_moves_one_part_by_its_id(commit_callbacks, staff, order, offer):
    part = part_of(order, offer)
    response = as_client(
        client_for(staff), commit_callbacks, order.id, {"state": "confirmed", "part": part.id}
    )
    assert response.status_code == 200
    assert part_states(order) == ["confirmed", "new"]
    response = as_client(
        client_for(staff), commit_callbacks, order.id, {"state": "delivered", "part": part.id}
    )
    assert response.status_code == 409
    assert part_states(order) == ["confirmed", "new"]


@pytest.mark.parametrize("part", [0, -1, "x"])
def test_a_bad_part_id_is_400(buyer_client, commit_callbacks, order, part):
    response = as_client(
        buyer_client, commit_callbacks, order.id, {"state": "canceled", "part": part}
    )
    assert response.status_code == 400
    assert "part" in response.json()["Errors"]
    assert part_states(order) == ["new", "new"]


# Short deliveries


def line_of(order, offer) -> OrderItem:
    return OrderItem.objects.get(order=order, offer=offer)


def test_a_short_delivery_returns_the_difference_and_tells_the_buyer(
    buyer, commit_callbacks, order, offer, other_offer
):
    line = line_of(order, offer)
    response = as_supplier(
        offer,
        commit_callbacks,
        order.id,
        {"items": [{"id": line.id, "quantity": 1}], "reason": "Only one left"},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["total_sum"] == "65000.00"
    assert body["part"]["sum"] == "65000.00"
    assert body["ordered_items"][0]["quantity"] == 1
    assert body["ordered_items"][0]["sum"] == "65000.00"
    (short,) = body["part"]["short_deliveries"]
    assert (short["line"], short["quantity_before"], short["quantity_after"], short["reason"]) == (
        line.id,
        2,
        1,
        "Only one left",
    )
    assert stock(offer) == 13
    order.refresh_from_db()
    assert order.total_sum == Decimal("65990.50")
    assert line_of(order, offer).quantity == 1
    assert [message.to for message in mail.outbox] == [[buyer.email]]
    assert mail.outbox[0].subject == f"Order {order.id}: Связной delivers less"
    assert "2 → 1" in mail.outbox[0].body and "Only one left" in mail.outbox[0].body
    assert "65990.50" in mail.outbox[0].body


def test_zero_takes_a_lines_goods_out(commit_callbacks, order, offer):
    line = line_of(order, offer)
    body = {"items": [{"id": line.id, "quantity": 0}], "reason": "Out of stock"}
    assert as_supplier(offer, commit_callbacks, order.id, body).status_code == 200
    assert line_of(order, offer).quantity == 0
    assert stock(offer) == 14
    assert Order.objects.get(pk=order.pk).total_sum == Decimal("990.50")


@pytest.mark.parametrize(
    ("body_of", "status"),
    [
        (lambda line: {"items": [{"id": line.id, "quantity": 3}], "reason": "more"}, 409),
        (lambda line: {"items": [{"id": line.id, "quantity": -1}], "reason": "less"}, 400),
        (lambda line: {"items": [{"id": line.id, "quantity": 1}]}, 400),
        (lambda line: {"items": [{"id": line.id, "quantity": 1}], "reason": "  "}, 400),
        (lambda line: {"items": [], "reason": "less"}, 400),
        (
            lambda line: {
                "items": [{"id": line.id, "quantity": 1}],
                "reason": "x",
                "state": "sent",
            },
            400,
        ),
        (lambda line: {}, 400),
        (lambda line: {"items": [{"id": line.id, "quantity": 1}], "reason": "x" * 501}, 400),
    ],
)
def test_a_bad_short_delivery_changes_nothing(commit_callbacks, order, offer, body_of, status):
    line = line_of(order, offer)
    response = as_supplier(offer, commit_callbacks, order.id, body_of(line))
    assert response.status_code == status, response.json()
    assert response.json()["Status"] is False
    assert line_of(order, offer).quantity == 2
    assert stock(offer) == 12
    assert Order.objects.get(pk=order.pk).total_sum == Decimal("130990.50")
    assert ShortDelivery.objects.count() == 0
    assert mail.outbox == []


def test_a_supplier_cannot_lower_another_suppliers_line(
    commit_callbacks, order, offer, other_offer
):
    foreign = line_of(order, other_offer)
    body = {"items": [{"id": foreign.id, "quantity": 0}], "reason": "not mine"}
    response = as_supplier(offer, commit_callbacks, order.id, body)
    assert response.status_code == 400
    assert str(foreign.id) in response.json()["Errors"]["items"]
    assert line_of(order, other_offer).quantity == 1
    assert stock(other_offer) == 2


@pytest.mark.parametrize("state", ["assembled", "sent", "delivered", "canceled"])
def test_no_short_delivery_once_the_part_is_assembled(commit_callbacks, order, offer, state):
    OrderPart.objects.filter(order=order, shop=offer.shop).update(state=state)
    stock_before = stock(offer)
    line = line_of(order, offer)
    body = {"items": [{"id": line.id, "quantity": 1}], "reason": "late"}
    response = as_supplier(offer, commit_callbacks, order.id, body)
    assert response.status_code == 409
    assert line_of(order, offer).quantity == 2
    assert stock(offer) == stock_before


def test_a_short_delivered_part_canceled_returns_only_what_is_left(commit_callbacks, order, offer):
    line = line_of(order, offer)
    body = {"items": [{"id": line.id, "quantity": 1}], "reason": "one broke"}
    as_supplier(offer, commit_callbacks, order.id, body)
    assert stock(offer) == 13
    as_supplier(offer, commit_callbacks, order.id, {"state": "canceled"})
    assert stock(offer) == 14


def test_three_suppliers_one_canceled_one_short_one_delivered(
    buyer, buyer_client, contact, commit_callbacks
):
    shops = [ShopFactory(name=name) for name in ("Альфа", "Бета", "Гамма")]
    alpha, beta, gamma = [
        OfferFactory(shop=shop, price=price, quantity=10)
        for shop, price in zip(shops, ["100.00", "200.00", "300.00"], strict=True)
    ]
    order = place(buyer, contact, (alpha, 2), (beta, 3), (gamma, 4))
    assert [stock(o) for o in (alpha, beta, gamma)] == [8, 7, 6]
    assert order.total_sum == Decimal("2000.00")

    assert as_supplier(alpha, commit_callbacks, order.id, {"state": "canceled"}).status_code == 200
    beta_line = line_of(order, beta)
    short = {"items": [{"id": beta_line.id, "quantity": 1}], "reason": "two broke"}
    assert as_supplier(beta, commit_callbacks, order.id, {"state": "confirmed"}).status_code == 200
    assert as_supplier(beta, commit_callbacks, order.id, short).status_code == 200
    for state in ["confirmed", "assembled", "sent", "delivered"]:
        assert as_supplier(gamma, commit_callbacks, order.id, {"state": state}).status_code == 200
    order.refresh_from_db()
    assert order.state == "confirmed"  # as far as Бета, the least advanced part not canceled
    for state in ["assembled", "sent", "delivered"]:
        assert as_supplier(beta, commit_callbacks, order.id, {"state": state}).status_code == 200

    body = buyer_client.get(f"{ORDER}/{order.id}").json()
    assert body["state"] == "delivered"
    assert [(p["shop"]["name"], p["state"], p["sum"]) for p in body["parts"]] == [
        ("Альфа", "canceled", "200.00"),
        ("Бета", "delivered", "200.00"),
        ("Гамма", "delivered", "1200.00"),
    ]
    assert body["total_sum"] == "1600.00"
    assert [entry["state"] for entry in body["history"]] == [
        "new",
        "confirmed",
        "assembled",
        "sent",
        "delivered",
    ]
    assert [stock(o) for o in (alpha, beta, gamma)] == [10, 9, 6]
    # Each part change and the short delivery: one email each, to the buyer.
    assert len(mail.outbox) == 1 + 1 + 1 + 4 + 3
    assert {tuple(message.to) for message in mail.outbox} == {(buyer.email,)}


def test_the_part_emails_are_in_the_buyers_language(buyer, commit_callbacks, order, offer):
    buyer.language = "ru"
    buyer.save(update_fields=["language"])
    as_supplier(offer, commit_callbacks, order.id, {"state": "confirmed"})
    line = line_of(order, offer)
    body = {"items": [{"id": line.id, "quantity": 1}], "reason": "Одна разбита"}
    as_supplier(offer, commit_callbacks, order.id, body)
    assert [message.subject for message in mail.outbox] == [
        f"Заказ {order.id}: Связной — теперь подтверждён",
        f"Заказ {order.id}: Связной доставит меньше",
    ]
    assert "Состояние заказа в целом: новый." in mail.outbox[0].body
    assert "Причина: Одна разбита" in mail.outbox[1].body


# Messages name states by their label in the reader's language, not by their code.

STATE_MESSAGES = [
    ("en", "The part of Связной in state new cannot become sent."),
    ("ru", "Часть заказа от Связной в состоянии «новый» не может перейти в «отправлен»."),
]


@pytest.mark.parametrize(("language", "message"), STATE_MESSAGES)
def test_a_refused_part_move_names_the_states_in_the_readers_language(
    commit_callbacks, order, offer, language, message
):
    with commit_callbacks():
        response = client_for(offer.shop.user).patch(
            f"{PARTNER_ORDERS}/{order.id}",
            {"state": "sent"},
            format="json",
            HTTP_ACCEPT_LANGUAGE=language,
        )
    assert response.status_code == 409
    assert response.json() == {"Status": False, "Errors": message}
    assert part_of(order, offer).state == "new"
    assert part_of(order, offer).history.count() == 1


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "An order in state delivered cannot become canceled."),
        ("ru", "Заказ в состоянии «доставлен» нельзя перевести в состояние «отменён»."),
    ],
)
def test_a_refused_order_move_names_the_states_in_the_readers_language(
    commit_callbacks, staff, order, language, message
):
    OrderPart.objects.filter(order=order).update(state="delivered")
    Order.objects.filter(pk=order.pk).update(state="delivered")
    with commit_callbacks():
        response = client_for(staff).patch(
            f"{ORDER}/{order.id}",
            {"state": "canceled"},
            format="json",
            HTTP_ACCEPT_LANGUAGE=language,
        )
    assert response.status_code == 409
    assert response.json() == {"Status": False, "Errors": message}
    assert part_states(order) == ["delivered", "delivered"]
    assert Order.objects.get(pk=order.pk).state == "delivered"


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "A part in state canceled can no longer be lowered."),
        ("ru", "В части заказа в состоянии «отменён» количество уже нельзя уменьшить."),
    ],
)
def test_a_refused_short_delivery_names_the_state_in_the_readers_language(
    commit_callbacks, order, offer, language, message
):
    OrderPart.objects.filter(order=order, shop=offer.shop).update(state="canceled")
    line = line_of(order, offer)
    with commit_callbacks():
        response = client_for(offer.shop.user).patch(
            f"{PARTNER_ORDERS}/{order.id}",
            {"items": [{"id": line.id, "quantity": 0}], "reason": "gone"},
            format="json",
            HTTP_ACCEPT_LANGUAGE=language,
        )
    assert response.status_code == 409
    assert response.json() == {"Status": False, "Errors": message}
    assert line_of(order, offer).quantity == 2
    assert ShortDelivery.objects.count() == 0


def test_a_short_delivery_naming_a_line_twice_changes_nothing(commit_callbacks, order, offer):
    line = line_of(order, offer)
    body = {
        "items": [{"id": line.id, "quantity": 1}, {"id": line.id, "quantity": 0}],
        "reason": "which one?",
    }
    response = as_supplier(offer, commit_callbacks, order.id, body)
    assert response.status_code == 400
    assert response.json() == {
        "Status": False,
        "Errors": {"items": {str(line.id): ["This line is given more than once."]}},
    }
    assert line_of(order, offer).quantity == 2
    assert stock(offer) == 12
    assert Order.objects.get(pk=order.pk).total_sum == Decimal("130990.50")
    assert ShortDelivery.objects.count() == 0
    assert mail.outbox == []
