import pytest
from django.core import mail

from procurement.catalog.models import Offer
from procurement.orders.models import ALLOWED_TRANSITIONS, Order, OrderPart, OrderState
from tests.support.clients import client_for
from tests.support.factories import UserFactory
from tests.support.orders import fill_basket, place

ORDER = "/api/v1/order"

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True)


@pytest.fixture
def order(buyer, contact, offer):
    return place(buyer, contact, (offer, 2))


def move(client, commit_callbacks, order_id, state):
    with commit_callbacks():
        return client.patch(f"{ORDER}/{order_id}", {"state": state}, format="json")


def test_list_own_orders_newest_first_without_the_basket(buyer_client, buyer, contact, offer):
    first = place(buyer, contact, (offer, 1))
    second = place(buyer, contact, (offer, 2))
    fill_basket(buyer, (offer, 1))

    body = buyer_client.get(ORDER).json()

    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [second.id, first.id]
    assert body["results"][0] == {
        "id": second.id,
        "dt": body["results"][0]["dt"],
        "state": "new",
        "total_sum": "130000.00",
        "items_count": 1,
    }


def test_list_filters_by_state_and_refuses_unknown_state(buyer_client, buyer, contact, offer):
    order = place(buyer, contact, (offer, 1))
    assert buyer_client.get(ORDER, {"state": "new"}).json()["count"] == 1
    assert buyer_client.get(ORDER, {"state": "sent"}).json()["count"] == 0
    response = buyer_client.get(ORDER, {"state": "basket"})
    assert response.status_code == 400
    assert buyer_client.get(ORDER, {"state": "bogus"}).status_code == 400
    assert order.state == "new"


def test_detail_for_owner_and_staff_404_for_others(buyer_client, order, staff, offer):
    body = buyer_client.get(f"{ORDER}/{order.id}").json()
    assert body["id"] == order.id
    assert body["state"] == "new"
    assert body["total_sum"] == "130000.00"
    assert [entry["state"] for entry in body["history"]] == ["new"]
    assert body["ordered_items"][0]["product_info"]["id"] == offer.id
    assert client_for(staff).get(f"{ORDER}/{order.id}").status_code == 200
    stranger = client_for(UserFactory())
    assert stranger.get(f"{ORDER}/{order.id}").status_code == 404
    assert buyer_client.get(f"{ORDER}/999999").status_code == 404


def test_a_missing_order_is_named_in_the_clients_language(buyer_client, order):
    stranger = client_for(UserFactory())
    for client, path in [(buyer_client, f"{ORDER}/999999"), (stranger, f"{ORDER}/{order.id}")]:
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="ru")
        assert response.status_code == 404
        assert response.json() == {"Status": False, "Errors": "Такого заказа нет."}


def test_reading_and_changing_a_strangers_order_meet_one_rule(buyer_client, order):
    stranger = client_for(UserFactory())
    path = f"{ORDER}/{order.id}"
    read = stranger.get(path, HTTP_ACCEPT_LANGUAGE="ru")
    change = stranger.patch(path, {"state": "canceled"}, format="json", HTTP_ACCEPT_LANGUAGE="ru")
    assert (read.status_code, change.status_code) == (404, 404)
    assert read.json() == change.json() == {"Status": False, "Errors": "Такого заказа нет."}
    assert Order.objects.get(pk=order.id).state == "new"


def test_a_basket_is_not_an_order(buyer_client, buyer, offer):
    basket = fill_basket(buyer, (offer, 1))
    assert buyer_client.get(f"{ORDER}/{basket.id}").status_code == 404
    assert (
        buyer_client.patch(f"{ORDER}/{basket.id}", {"state": "canceled"}, format="json").status_code
        == 404
    )


def test_baskets_and_placed_orders_each_have_their_own_entry(buyer, contact, offer, other_offer):
    placed = place(buyer, contact, (offer, 1))
    basket = fill_basket(buyer, (other_offer, 1))
    assert list(Order.baskets.values_list("pk", flat=True)) == [basket.pk]
    assert list(Order.placed.values_list("pk", flat=True)) == [placed.pk]
    assert Order.objects.count() == 2


def test_owner_cancels_a_new_order_and_gets_the_stock_back(
    buyer_client, commit_callbacks, order, offer, buyer
):
    assert Offer.objects.get(pk=offer.pk).quantity == 12
    response = move(buyer_client, commit_callbacks, order.id, "canceled")
    assert response.status_code == 200
    assert response.json() == {"Status": True, **buyer_client.get(f"{ORDER}/{order.id}").json()}
    assert response.json()["state"] == "canceled"
    assert [entry["state"] for entry in response.json()["history"]] == ["new", "canceled"]
    assert Offer.objects.get(pk=offer.pk).quantity == 14
    assert [message.to for message in mail.outbox] == [[buyer.email]]
    assert "canceled" in mail.outbox[0].subject


@pytest.mark.parametrize("state", ["confirmed", "assembled", "sent", "delivered"])
def test_owner_may_not_move_the_order_forward(buyer_client, commit_callbacks, order, state):
    response = move(buyer_client, commit_callbacks, order.id, state)
    assert response.status_code == 403
    assert Order.objects.get(pk=order.id).state == "new"
    assert mail.outbox == []


def test_owner_may_not_cancel_a_confirmed_order(buyer_client, commit_callbacks, staff, order):
    move(client_for(staff), commit_callbacks, order.id, "confirmed")
    response = move(buyer_client, commit_callbacks, order.id, "canceled")
    assert response.status_code == 403
    assert Order.objects.get(pk=order.id).state == "confirmed"


def test_staff_walks_the_whole_pipeline_and_the_buyer_hears_of_each_step(
    commit_callbacks, staff, order, buyer
):
    staff_client = client_for(staff)
    for state in ["confirmed", "assembled", "sent", "delivered"]:
        response = move(staff_client, commit_callbacks, order.id, state)
        assert response.status_code == 200, response.json()
    order.refresh_from_db()
    assert order.state == "delivered"
    assert list(order.history.values_list("to_state", flat=True)) == [
        "new",
        "confirmed",
        "assembled",
        "sent",
        "delivered",
    ]
    assert list(order.history.values_list("changed_by", flat=True))[1:] == [staff.id] * 4
    assert [message.to for message in mail.outbox] == [[buyer.email]] * 4


def every_disallowed_move():
    states = [state for state in OrderState.values if state != OrderState.BASKET]
    return [
        (source, target)
        for source in states
        for target in states
        if target not in ALLOWED_TRANSITIONS[source]
    ]


@pytest.mark.parametrize(("source", "target"), every_disallowed_move())
def test_staff_gets_409_for_every_move_the_map_does_not_allow(
    commit_callbacks, staff, order, source, target, offer
):
    Order.objects.filter(pk=order.id).update(state=source)
    OrderPart.objects.filter(order=order).update(state=source)
    stock_before = Offer.objects.get(pk=offer.pk).quantity
    response = move(client_for(staff), commit_callbacks, order.id, target)
    assert response.status_code == 409
    assert Order.objects.get(pk=order.id).state == source
    assert OrderPart.objects.get(order=order).state == source
    assert Offer.objects.get(pk=offer.pk).quantity == stock_before
    assert mail.outbox == []


@pytest.mark.parametrize("state", ["basket", "lost", "", None])
def test_unknown_target_state_is_400(buyer_client, commit_callbacks, order, state):
    response = move(buyer_client, commit_callbacks, order.id, state)
    assert response.status_code == 400
    assert Order.objects.get(pk=order.id).state == "new"


def test_canceling_twice_returns_the_stock_once(commit_callbacks, staff, order, offer):
    staff_client = client_for(staff)
    assert move(staff_client, commit_callbacks, order.id, "canceled").status_code == 200
    assert move(staff_client, commit_callbacks, order.id, "canceled").status_code == 409
    assert Offer.objects.get(pk=offer.pk).quantity == 14


def test_another_buyer_cannot_touch_the_order(commit_callbacks, order):
    response = move(client_for(UserFactory()), commit_callbacks, order.id, "canceled")
    assert response.status_code == 404
    assert Order.objects.get(pk=order.id).state == "new"


def test_each_state_email_tells_the_state_of_its_own_change(commit_callbacks, staff, order):
    staff_client = client_for(staff)
    with commit_callbacks():
        for state in ["confirmed", "assembled"]:
            from procurement.orders.services import order_set_state

            order_set_state(order_id=order.id, state=state, actor=staff)
    assert [message.subject for message in mail.outbox] == [
        f"Order {order.id} is now confirmed",
        f"Order {order.id} is now assembled",
    ]
    assert staff_client.get(f"{ORDER}/{order.id}").json()["state"] == "assembled"
