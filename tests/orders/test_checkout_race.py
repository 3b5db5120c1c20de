"""Buyers racing for the same stock, each on its own database connection.

Runs on whichever database the suite runs on: SQLite in the first pass of `make test`,
the throwaway PostgreSQL cluster in the second.
"""

import threading

import pytest
from django.db import connection, transaction

from procurement.catalog.models import Offer, Product
from procurement.orders import services
from procurement.orders.models import Order, OrderItem, OrderPart, OrderState
from tests.support.factories import ContactFactory, OfferFactory, UserFactory
from tests.support.races import race, started

pytestmark = pytest.mark.django_db(transaction=True)

BUYERS = 20


def test_twenty_buyers_for_five_units_two_each():
    offer = OfferFactory(quantity=5)

    placed, refused, crashed = race(offer, quantity=2, buyers=BUYERS)

    assert crashed == []  # no "database is locked", no deadlock, no serialization error
    assert len(placed) == 2
    assert refused == ["conflict"] * (BUYERS - 2)
    assert Offer.objects.get(pk=offer.pk).quantity == 1
    assert Order.objects.filter(state=OrderState.NEW).count() == 2
    assert Order.objects.filter(state=OrderState.BASKET).count() == BUYERS - 2


def test_buyers_of_two_offers_in_opposite_order_never_deadlock():
    first, second = OfferFactory(quantity=100), OfferFactory(quantity=100)
    contacts = [ContactFactory(user=UserFactory()) for _ in range(10)]
    for index, contact in enumerate(contacts):
        lines = [(first, 1), (second, 1)] if index % 2 else [(second, 1), (first, 1)]
        services.basket_add(
            user=contact.user,
            lines=[services.BasketLine(offer_id=o.pk, quantity=q) for o, q in lines],
        )
    errors = []
    start = threading.Barrier(len(contacts))

    def buyer(contact):
        try:
            start.wait()
            basket = Order.objects.get(user=contact.user, state=OrderState.BASKET)
            services.order_place(buyer=contact.user, basket_id=basket.pk, contact_id=contact.pk)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=buyer, args=(contact,)) for contact in contacts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert [Offer.objects.get(pk=o.pk).quantity for o in (first, second)] == [90, 90]


@pytest.mark.parametrize("lines", [1, 2], ids=["one line", "two lines"])
def test_an_order_placed_while_an_import_renames_a_good_in_it_is_placed(lines):
    """An import that renames a good moves its offer to another product and holds the offer
    row until it commits. The placement waits for it, then places the order with the good as
    the import left it: not "the basket is empty", nor a failed insert of its parts."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's: SQLite lets one writer at a time")
    renamed, other = OfferFactory(quantity=10), OfferFactory(quantity=10)
    contact = ContactFactory(user=UserFactory())
    basket_lines = [(renamed, 2), (other, 1)][:lines]
    services.basket_add(
        user=contact.user,
        lines=[services.BasketLine(offer_id=o.pk, quantity=q) for o, q in basket_lines],
    )
    basket = Order.objects.get(user=contact.user, state=OrderState.BASKET)
    new_product = Product.objects.create(category=renamed.product.category, name="Новое имя")
    locked, release = threading.Event(), threading.Event()

    def import_renaming() -> None:
        try:
            with transaction.atomic():
                Offer.objects.filter(pk=renamed.pk).update(product=new_product)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    importer = threading.Thread(target=import_renaming)
    importer.start()
    assert locked.wait(timeout=30)
    results: list = []

    buyer = started(
        lambda: services.order_place(
            buyer=contact.user, basket_id=basket.pk, contact_id=contact.pk
        ),
        results,
    )
    buyer.join(timeout=1)
    assert buyer.is_alive()  # waiting for the import's lock on the offer
    release.set()
    importer.join(timeout=30)
    buyer.join(timeout=30)

    [order] = results
    assert isinstance(order, Order), order
    assert Order.objects.get(pk=basket.pk).state == OrderState.NEW
    names = dict(OrderItem.objects.filter(order=order).values_list("offer_id", "product_name"))
    assert names[renamed.pk] == "Новое имя"
    assert Offer.objects.get(pk=renamed.pk).quantity == 8
    assert OrderPart.objects.filter(order=order).count() == len(
        {o.shop_id for o, _q in basket_lines}
    )
