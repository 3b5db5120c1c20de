"""A real deadlock between placing an order and another writer of the same offers (a price
list applied at that moment): PostgreSQL aborts the order's transaction, order_place runs
again and the buyer gets the order, never a 500."""

import logging
import threading
import time

import psycopg
import pytest
from django.db import close_old_connections, connection

from procurement.catalog.models import Offer
from procurement.orders.models import Order, OrderState, OrderStateChange
from tests.catalog.factories import OfferFactory
from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.orders.conftest import fill_basket
from tests.support.celery_worker import database_url_of_test_database

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("deadlocks are PostgreSQL's: SQLite lets one writer at a time")


def lock_waiters(except_pid: int) -> int:
    """Backends (other than `except_pid`) waiting for a lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> %s",
            [except_pid],
        )
        return cursor.fetchone()[0]


def wait_until(condition, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.05)


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
            wait_until(lambda: lock_waiters(writer_pid) == 1, 30, "the placement never waited")
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
