"""Buyers racing for the same stock, each on its own database connection.

Runs on whichever database the suite runs on: SQLite in the first pass of `make test`,
the throwaway PostgreSQL cluster in the second.
"""

import threading

import pytest
from django.db import connection

from procurement.catalog.models import Offer
from procurement.orders import services
from procurement.orders.models import Order, OrderState
from tests.support.factories import ContactFactory, OfferFactory, UserFactory
from tests.support.races import race

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
