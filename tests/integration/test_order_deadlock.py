"""A real deadlock between placing an order and another writer of the same offers (a price
list applied at that moment): PostgreSQL aborts the order's transaction, order_place runs
again and the buyer gets the order, never a 500."""

import logging
import threading

import psycopg
import pytest
from django.db import close_old_connections, connection

from harness.waiting import wait_until
from procurement.catalog.models import Offer
from procurement.orders.models import Order, OrderState, OrderStateChange
from tests.support.celery_worker import database_url_of_test_database
from tests.support.clients import client_for
from tests.support.database import lock_waiters
from tests.support.factories import ContactFactory, OfferFactory
from tests.support.orders import fill_basket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("deadlocks are PostgreSQL's: SQLite lets one writer at a time")


def test_a_deadlocked_placement_is_placed_on_its_next_attempt(postgresql, buyer, caplog):
    contact = ContactFactory(user=buyer)
    first, second = OfferFactory(quantity=10), OfferFactory(quantity=10)
    basket = fill_basket(buyer, (first, 1), (second, 2))
    answers = []

    def place():
        try:
            answers.append(
                client_for(buyer).post(
                    "/api/v1/order", {"id": basket.pk, "contact": contact.pk}, format="json"
                )
            )
        finally:
            connection.close()

    # The other writer holds the second offer; its own deadlock check waits longer than
    # PostgreSQL's default 1 s, so the placement is the transaction PostgreSQL aborts.
    with psycopg.connect(database_url_of_test_database()) as writer:
        writer.execute("SET deadlock_timeout = '10s'")
        writer.execute("SELECT 1 FROM catalog_offer WHERE id = %s FOR UPDATE", [second.pk])
        writer_pid = writer.info.backend_pid
        placing = threading.Thread(target=place)
        with caplog.at_level(logging.WARNING, logger="procurement.core.db"):
            placing.start()
            # The placement has locked the first offer and waits for the second.
            wait_until(
                lambda: lock_waiters(besides=writer_pid) == 1,
                timeout=30,
                message="the placement never waited",
            )
            # Now the writer wants the first offer: a deadlock.
            writer.execute("UPDATE catalog_offer SET quantity = quantity WHERE id = %s", [first.pk])
            writer.rollback()
            placing.join(timeout=60)
    close_old_connections()

    (answer,) = answers
    assert (answer.status_code, answer.json()) == (200, {"Status": True, "id": basket.pk})
    assert "deadlock detected" in caplog.text
    assert "order_place" in caplog.text
    assert Order.objects.get(pk=basket.pk).state == OrderState.NEW
    assert OrderStateChange.objects.filter(order_id=basket.pk).count() == 1
    quantities = dict(Offer.objects.values_list("pk", "quantity"))
    assert (quantities[first.pk], quantities[second.pk]) == (9, 8)  # taken once
