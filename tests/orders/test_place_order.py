from decimal import Decimal

import pytest
from django.core import mail

from procurement.accounts.models import Contact
from procurement.catalog.models import Offer
from procurement.orders.models import Order, OrderItem, OrderState, OrderStateChange
from tests.support.factories import ContactFactory, UserFactory
from tests.support.orders import fill_basket

ORDER = "/api/v1/order"

pytestmark = pytest.mark.django_db


def stock(*offers) -> list[int]:
    return [Offer.objects.get(pk=offer.pk).quantity for offer in offers]


def confirm(client, commit_callbacks, basket_id, contact_id):
    with commit_callbacks():
        return client.post(ORDER, {"id": basket_id, "contact": contact_id}, format="json")


def test_place_order_takes_stock_snapshots_and_emails(
    buyer_client, commit_callbacks, buyer, contact, offer, other_offer, settings
):
    settings.ORDER_ADMIN_EMAIL = "ops@example.com"
    basket = fill_basket(buyer, (offer, 2), (other_offer, 3))

    response = confirm(buyer_client, commit_callbacks, basket.id, contact.id)

    assert response.status_code == 200
    assert response.json() == {"Status": True, "id": basket.id}
    order = Order.objects.get(pk=basket.id)
    assert order.state == OrderState.NEW
    assert order.total_sum == Decimal("132971.50")
    assert order.delivery_address["city"] == "Moscow"
    assert stock(offer, other_offer) == [12, 0]
    line = order.ordered_items.get(offer=offer)
    assert (line.price, line.product_name, line.model, line.shop_name, line.shop_id_snapshot) == (
        Decimal("65000.00"),
        "Смартфон",
        "apple/xr",
        "Связной",
        offer.shop_id,
    )
    assert list(order.history.values_list("from_state", "to_state")) == [("basket", "new")]

    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == sorted(
        [buyer.email, "ops@example.com", offer.shop.user.email, other_offer.shop.user.email]
    )
    by_recipient = {message.to[0]: message for message in mail.outbox}
    admin_invoice = by_recipient["ops@example.com"].body
    assert "Смартфон" in admin_invoice and "Чехол" in admin_invoice
    assert buyer.email in admin_invoice and "Tverskaya" in admin_invoice
    supplier_invoice = by_recipient[offer.shop.user.email].body
    assert "Смартфон" in supplier_invoice
    assert "Чехол" not in supplier_invoice
    assert str(order.id) in by_recipient[buyer.email].subject
    # a fresh basket starts empty
    assert buyer_client.get("/api/v1/basket").json()["ordered_items"] == []


def test_placing_twice_is_409_and_changes_nothing(
    buyer_client, commit_callbacks, buyer, contact, offer
):
    basket = fill_basket(buyer, (offer, 2))
    assert confirm(buyer_client, commit_callbacks, basket.id, contact.id).status_code == 200
    emails = len(mail.outbox)

    again = confirm(buyer_client, commit_callbacks, basket.id, contact.id)

    assert again.status_code == 409
    assert again.json()["Status"] is False
    assert stock(offer) == [12]
    assert OrderStateChange.objects.count() == 1
    assert len(mail.outbox) == emails


def test_empty_basket_is_refused(buyer_client, commit_callbacks, buyer, contact):
    basket_id = buyer_client.get("/api/v1/basket").json()["id"]
    response = confirm(buyer_client, commit_callbacks, basket_id, contact.id)
    assert response.status_code == 409
    assert Order.objects.get(pk=basket_id).state == OrderState.BASKET
    assert mail.outbox == []


def test_another_buyers_contact_is_refused(buyer_client, commit_callbacks, buyer, offer):
    basket = fill_basket(buyer, (offer, 2))
    strangers_contact = ContactFactory()
    response = confirm(buyer_client, commit_callbacks, basket.id, strangers_contact.id)
    assert response.status_code == 400
    assert "contact" in response.json()["Errors"]
    assert Order.objects.get(pk=basket.id).state == OrderState.BASKET
    assert stock(offer) == [14]


def test_another_buyers_basket_is_404(buyer_client, commit_callbacks, contact, offer):
    stranger = UserFactory()
    basket = fill_basket(stranger, (offer, 2))
    response = confirm(buyer_client, commit_callbacks, basket.id, contact.id)
    assert response.status_code == 404
    assert Order.objects.get(pk=basket.id).state == OrderState.BASKET
    assert stock(offer) == [14]


def test_closed_shop_is_409_naming_it(
    buyer_client, commit_callbacks, buyer, contact, offer, other_offer
):
    basket = fill_basket(buyer, (offer, 1), (other_offer, 1))
    other_offer.shop.accepts_orders = False
    other_offer.shop.save()
    response = confirm(buyer_client, commit_callbacks, basket.id, contact.id)
    assert response.status_code == 409
    assert response.json()["shops"] == ["Эльдорадо"]
    assert "Эльдорадо" in response.json()["Errors"]
    assert Order.objects.get(pk=basket.id).state == OrderState.BASKET
    assert stock(offer, other_offer) == [14, 3]
    assert mail.outbox == []


def test_short_stock_is_409_naming_lines_and_what_is_available(
    buyer_client, commit_callbacks, buyer, contact, offer, other_offer
):
    basket = fill_basket(buyer, (offer, 2), (other_offer, 5))
    short_line = basket.ordered_items.get(offer=other_offer)
    response = confirm(buyer_client, commit_callbacks, basket.id, contact.id)
    assert response.status_code == 409
    assert response.json()["lines"] == [
        {"id": short_line.id, "product_info": other_offer.id, "requested": 5, "available": 3}
    ]
    assert stock(offer, other_offer) == [14, 3]
    assert Order.objects.get(pk=basket.id).state == OrderState.BASKET


def test_an_order_for_100000_units_is_refused(
    buyer_client, commit_callbacks, buyer, contact, offer
):
    basket = fill_basket(buyer, (offer, 100_000))
    response = confirm(buyer_client, commit_callbacks, basket.id, contact.id)
    assert response.status_code == 409
    assert stock(offer) == [14]


def test_withdrawn_offer_is_409(buyer_client, commit_callbacks, buyer, contact, offer):
    basket = fill_basket(buyer, (offer, 1))
    Offer.objects.filter(pk=offer.pk).update(is_withdrawn=True)
    response = confirm(buyer_client, commit_callbacks, basket.id, contact.id)
    assert response.status_code == 409
    assert Order.objects.get(pk=basket.id).state == OrderState.BASKET


@pytest.mark.parametrize(
    "payload", [{}, {"id": "x", "contact": 1}, {"id": 1}, {"contact": 1}, {"id": -1, "contact": 1}]
)
def test_bad_input_is_400(buyer_client, buyer, offer, payload):
    fill_basket(buyer, (offer, 1))
    response = buyer_client.post(ORDER, payload, format="json")
    assert response.status_code == 400
    assert not Order.objects.exclude(state=OrderState.BASKET).exists()


def test_placed_order_never_changes_with_the_catalog_or_the_contact(
    buyer_client, commit_callbacks, buyer, contact, offer
):
    basket = fill_basket(buyer, (offer, 2))
    confirm(buyer_client, commit_callbacks, basket.id, contact.id)
    before = buyer_client.get(f"{ORDER}/{basket.id}").json()

    Offer.objects.filter(pk=offer.pk).update(price="1.00", model="changed", is_withdrawn=True)
    offer.product.name = "Renamed"
    offer.product.save()
    offer.shop.name = "Renamed shop"
    offer.shop.save()
    Contact.objects.filter(pk=contact.pk).update(city="Omsk")
    Contact.objects.filter(pk=contact.pk).delete()

    after = buyer_client.get(f"{ORDER}/{basket.id}").json()
    for body in (before, after):
        assert body["total_sum"] == "130000.00"
        line = body["ordered_items"][0]
        assert (line["price"], line["sum"], line["product_name"], line["model"]) == (
            "65000.00",
            "130000.00",
            "Смартфон",
            "apple/xr",
        )
        assert line["shop"] == {"id": offer.shop_id, "name": "Связной"}
        assert body["contact"]["city"] == "Moscow"
    assert Order.objects.get(pk=basket.id).contact is None
    assert OrderItem.objects.filter(order_id=basket.id).count() == 1
