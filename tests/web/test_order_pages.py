import pytest
from django.core import mail

from procurement.accounts.models import Contact
from procurement.orders.models import Order, OrderItem
from tests.support.factories import ContactFactory, OfferFactory, UserFactory
from tests.support.orders import fill_basket, place

pytestmark = pytest.mark.django_db


def basket_lines(user) -> list[tuple[int, int]]:
    return list(
        OrderItem.objects.filter(order__user=user, order__state="basket").values_list(
            "offer_id", "quantity"
        )
    )


def test_pages_of_a_buyer_send_anonymous_visitors_to_log_in(client):
    for path in ["/basket/", "/checkout/", "/orders/", "/orders/1/"]:
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/account/login/?next=")


def test_offers_of_two_shops_go_into_the_basket_with_totals_per_shop(buyer_web, buyer):
    first, second = OfferFactory(price=100, quantity=5), OfferFactory(price=30, quantity=5)
    assert buyer_web.post("/basket/add/", {"offer": first.pk, "quantity": 2}).status_code == 302
    assert buyer_web.post("/basket/add/", {"offer": second.pk, "quantity": 1}).status_code == 302
    assert sorted(basket_lines(buyer)) == sorted([(first.pk, 2), (second.pk, 1)])
    page = buyer_web.get("/basket/").content.decode()
    assert f"Total of {first.shop.name}" in page and f"Total of {second.shop.name}" in page
    assert "200.00" in page and "30.00" in page and "230.00" in page


@pytest.mark.parametrize(
    "data",
    [
        {"offer": "abc", "quantity": 1},
        {"offer": str(2**63), "quantity": 1},
        {"offer": "OFFER", "quantity": str(10**20)},
        {"offer": "OFFER", "quantity": "0"},
        {"offer": "OFFER", "quantity": "-5"},
        {"offer": "OFFER"},
    ],
)
def test_a_bad_add_to_the_basket_is_a_400_and_changes_nothing(buyer_web, buyer, data):
    offer = OfferFactory(quantity=5)
    fill_basket(buyer, (offer, 1))
    data = {key: str(offer.pk) if value == "OFFER" else value for key, value in data.items()}
    response = buyer_web.post("/basket/add/", data)
    assert response.status_code == 400
    assert basket_lines(buyer) == [(offer.pk, 1)]


def test_a_withdrawn_offer_cannot_be_added(buyer_web, buyer):
    offer = OfferFactory(is_withdrawn=True)
    response = buyer_web.post("/basket/add/", {"offer": offer.pk, "quantity": 1})
    assert response.status_code == 400
    assert "No such offer in the catalog." in response.content.decode()
    assert basket_lines(buyer) == []


def test_quantities_change_and_lines_go(buyer_web, buyer):
    first, second = OfferFactory(quantity=9), OfferFactory(quantity=9)
    basket = fill_basket(buyer, (first, 1), (second, 1))
    line_one, line_two = basket.ordered_items.order_by("id")
    changed = buyer_web.post("/basket/change/", {f"quantity-{line_one.pk}": "4", "update": "1"})
    assert changed.status_code == 302
    assert sorted(basket_lines(buyer)) == sorted([(first.pk, 4), (second.pk, 1)])
    removed = buyer_web.post(
        "/basket/change/", {"remove": str(line_two.pk), f"quantity-{line_one.pk}": "4"}
    )
    assert removed.status_code == 302
    assert basket_lines(buyer) == [(first.pk, 4)]


@pytest.mark.parametrize("quantity", ["0", "abc", str(10**20), "1.5"])
def test_a_bad_quantity_is_shown_next_to_its_line_and_changes_nothing(buyer_web, buyer, quantity):
    offer, other = OfferFactory(quantity=9), OfferFactory(quantity=9)
    basket = fill_basket(buyer, (offer, 2), (other, 1))
    line, other_line = basket.ordered_items.order_by("id")
    response = buyer_web.post(
        "/basket/change/",
        {f"quantity-{line.pk}": quantity, f"quantity-{other_line.pk}": "3", "update": "1"},
    )
    assert response.status_code == 400
    assert f'id="error-{line.pk}"' in response.content.decode()
    assert sorted(basket_lines(buyer)) == sorted([(offer.pk, 2), (other.pk, 1)])


def test_another_buyers_line_is_neither_changed_nor_removed(buyer_web, buyer):
    stranger = UserFactory()
    offer = OfferFactory(quantity=9)
    theirs = fill_basket(stranger, (offer, 2)).ordered_items.get()
    assert buyer_web.post("/basket/change/", {f"quantity-{theirs.pk}": "5"}).status_code == 400
    refused = buyer_web.post("/basket/change/", {"remove": str(theirs.pk)})
    assert refused.status_code == 404
    assert "No such line in your basket." in refused.content.decode()
    assert basket_lines(stranger) == [(offer.pk, 2)]


@pytest.mark.parametrize("key", ["THEIRS", "abc", str(10**20)])
def test_a_quantity_for_no_line_of_the_basket_is_said_on_the_page(buyer_web, buyer, key):
    offer = OfferFactory(quantity=9)
    fill_basket(buyer, (offer, 2))
    stranger_offer = OfferFactory(quantity=9)
    theirs = fill_basket(UserFactory(), (stranger_offer, 1)).ordered_items.get()
    key = str(theirs.pk) if key == "THEIRS" else key
    response = buyer_web.post("/basket/change/", {f"quantity-{key}": "5"})
    assert response.status_code == 400
    assert "No such line in your basket." in response.content.decode()
    assert basket_lines(buyer) == [(offer.pk, 2)]
    assert list(OrderItem.objects.filter(pk=theirs.pk).values_list("quantity", flat=True)) == [1]


def test_a_line_elsewhere_is_said_in_the_clients_language(buyer_web, buyer):
    fill_basket(buyer, (OfferFactory(quantity=9), 2))
    response = buyer_web.post("/basket/change/", {"quantity-abc": "5"}, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 400
    assert "Такой позиции нет в вашей корзине." in response.content.decode()


def test_each_line_says_what_stops_it(buyer_web, buyer):
    short = OfferFactory(quantity=1, product__name="Мало")
    gone = OfferFactory(quantity=0, product__name="Нет")
    closed = OfferFactory(quantity=5, product__name="Закрыт")
    withdrawn = OfferFactory(quantity=5, product__name="Снят")
    fill_basket(buyer, (short, 3), (gone, 1), (closed, 1), (withdrawn, 1))
    closed.shop.accepts_orders = False
    closed.shop.save()
    withdrawn.is_withdrawn = True
    withdrawn.save()
    page = buyer_web.get("/basket/").content.decode()
    assert "Only 1 in stock." in page
    assert "Out of stock." in page
    assert f"The shop {closed.shop.name} does not accept orders now." in page
    assert "No longer in its shop&#x27;s price list." in page


def test_checkout_adds_a_contact_and_places_the_order(buyer_web, buyer, commit_callbacks):
    offer = OfferFactory(quantity=5, price=10)
    fill_basket(buyer, (offer, 2))
    added = buyer_web.post(
        "/checkout/",
        {"add_contact": "1", "city": "Москва", "street": "Тверская", "phone": "+79000000000"},
    )
    assert added.status_code == 302
    contact = Contact.objects.get(user=buyer)
    with commit_callbacks():
        placed = buyer_web.post("/checkout/", {"place": "1", "contact": contact.pk})
    order = Order.placed.get(user=buyer)
    assert placed.status_code == 302
    assert placed["Location"] == f"/orders/{order.pk}/"
    page = buyer_web.get(placed["Location"]).content.decode()
    assert f"your order {order.pk} is placed" in page
    assert order.state == "new" and order.total_sum == 20
    confirmation = next(m for m in mail.outbox if m.to == [buyer.email])
    assert f"/orders/{order.pk}/" in confirmation.body


def test_a_sixth_contact_is_refused_and_none_is_added(buyer_web, buyer):
    ContactFactory.create_batch(5, user=buyer)
    OfferFactory()
    response = buyer_web.post(
        "/checkout/", {"add_contact": "1", "city": "A", "street": "B", "phone": "1"}
    )
    assert response.status_code == 400
    assert "At most 5 contacts per user." in response.content.decode()
    assert Contact.objects.filter(user=buyer).count() == 5


@pytest.mark.parametrize("contact", ["STRANGER", "abc", str(10**30), ""])
def test_checkout_to_a_contact_not_ones_own_places_nothing(buyer_web, buyer, contact):
    offer = OfferFactory(quantity=5)
    fill_basket(buyer, (offer, 1))
    stranger_contact = ContactFactory()
    value = str(stranger_contact.pk) if contact == "STRANGER" else contact
    response = buyer_web.post("/checkout/", {"place": "1", "contact": value})
    assert response.status_code == 400
    assert not Order.placed.filter(user=buyer).exists()
    assert basket_lines(buyer) == [(offer.pk, 1)]
    offer.refresh_from_db()
    assert offer.quantity == 5


def test_checkout_short_of_stock_is_a_409_and_takes_nothing(buyer_web, buyer, contact):
    offer = OfferFactory(quantity=1)
    fill_basket(buyer, (offer, 3))
    response = buyer_web.post("/checkout/", {"place": "1", "contact": contact.pk})
    assert response.status_code == 409
    assert "Not enough stock for some lines." in response.content.decode()
    assert "Only 1 in stock." in response.content.decode()
    offer.refresh_from_db()
    assert offer.quantity == 1
    assert not Order.placed.filter(user=buyer).exists()


def test_orders_list_and_page_and_cancel(buyer_web, buyer, contact):
    offer = OfferFactory(quantity=5)
    order = place(buyer, contact, (offer, 2))
    listing = buyer_web.get("/orders/").content.decode()
    assert f"/orders/{order.pk}/" in listing
    canceled_only = buyer_web.get("/orders/", {"state": "canceled"}).content.decode()
    assert f"/orders/{order.pk}/" not in canceled_only
    page = buyer_web.get(f"/orders/{order.pk}/").content.decode()
    assert "Cancel the order" in page
    assert buyer_web.post(f"/orders/{order.pk}/cancel/").status_code == 302
    order.refresh_from_db()
    offer.refresh_from_db()
    assert order.state == "canceled" and offer.quantity == 5
    assert "Cancel the order" not in buyer_web.get(f"/orders/{order.pk}/").content.decode()
    again = buyer_web.post(f"/orders/{order.pk}/cancel/")
    assert again.status_code == 403
    order.refresh_from_db()
    assert order.state == "canceled"


def test_another_buyers_order_is_a_404_and_stays_as_it_is(buyer_web):
    stranger = ContactFactory()
    order = place(stranger.user, stranger, (OfferFactory(quantity=5), 1))
    assert buyer_web.get(f"/orders/{order.pk}/").status_code == 404
    assert buyer_web.post(f"/orders/{order.pk}/cancel/").status_code == 404
    order.refresh_from_db()
    assert order.state == "new"
    for path in [f"/orders/{2**63}/", f"/orders/{10**30}/", "/orders/0/", "/orders/abc/"]:
        assert buyer_web.get(path).status_code == 404


def test_a_bad_state_filter_is_a_400(buyer_web):
    response = buyer_web.get("/orders/", {"state": "basket"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_the_state_change_email_links_to_the_order_page(
    buyer_web, buyer, contact, commit_callbacks, settings
):
    settings.SITE_URL = "https://shop.example.com"
    order = place(buyer, contact, (OfferFactory(quantity=5), 1))
    mail.outbox.clear()
    with commit_callbacks():
        buyer_web.post(f"/orders/{order.pk}/cancel/")
    (email,) = mail.outbox
    assert email.to == [buyer.email]
    assert f"https://shop.example.com/orders/{order.pk}/" in email.body


def test_the_part_emails_link_to_the_order_page(buyer, contact, commit_callbacks, settings):
    from procurement.orders.services import (
        LineShortage,
        supplier_part_set_state,
        supplier_part_short_deliver,
    )

    settings.SITE_URL = "https://shop.example.com"
    offer = OfferFactory(quantity=5)
    order = place(buyer, contact, (offer, 2))
    line = OrderItem.objects.get(order=order)
    supplier = offer.shop.user
    mail.outbox.clear()
    with commit_callbacks():
        supplier_part_short_deliver(
            order_id=order.pk,
            supplier=supplier,
            lines=[LineShortage(line_id=line.pk, quantity=1)],
            reason="one broke",
        )
    with commit_callbacks():
        supplier_part_set_state(order_id=order.pk, state="confirmed", supplier=supplier)

    assert len(mail.outbox) == 2
    for email in mail.outbox:
        assert email.to == [buyer.email]
        assert f"https://shop.example.com/orders/{order.pk}/" in email.body
        html = email.alternatives[0][0]
        assert f'href="https://shop.example.com/orders/{order.pk}/"' in html


def test_no_cancel_once_one_supplier_has_confirmed_its_part(buyer_web, buyer, contact):
    from procurement.orders.services import supplier_part_set_state

    first, second = OfferFactory(quantity=5), OfferFactory(quantity=5)
    order = place(buyer, contact, (first, 1), (second, 1))
    supplier_part_set_state(order_id=order.pk, state="confirmed", supplier=first.shop.user)
    order.refresh_from_db()
    assert order.state == "new"  # the other part is still new

    assert "Cancel the order" not in buyer_web.get(f"/orders/{order.pk}/").content.decode()
    refused = buyer_web.post(f"/orders/{order.pk}/cancel/")
    assert refused.status_code == 403
    order.refresh_from_db()
    second.refresh_from_db()
    assert order.state == "new" and second.quantity == 4
