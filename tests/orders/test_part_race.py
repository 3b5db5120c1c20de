"""A supplier and staff moving the same order at once, each on its own database connection:
one waits for the other (the order row, then its parts in primary-key order), so no move is
lost and no stock is returned twice.

The barrier race runs on whichever database the suite runs on; the one that holds the order's
row until both writers wait for it needs PostgreSQL's row locks.
"""

import threading
from collections.abc import Callable

import psycopg
import pytest
from django.db import close_old_connections, connection

from harness.waiting import wait_until
from procurement.catalog.models import Offer
from procurement.core.errors import ApplicationError
from procurement.orders import services
from procurement.orders.models import Order, OrderPart, OrderPartStateChange, OrderStateChange
from tests.support.celery_worker import database_url_of_test_database
from tests.support.database import lock_waiters
from tests.support.factories import ContactFactory, OfferFactory, UserFactory
from tests.support.orders import place

pytestmark = pytest.mark.django_db(transaction=True)


def two_supplier_order():
    contact = ContactFactory()
    first, second = OfferFactory(quantity=10), OfferFactory(quantity=10)
    order = place(contact.user, contact, (first, 2), (second, 3))
    return order, first, second


def run_at_once(moves: list[Callable[[], object]], hold_order_id: int | None = None) -> list:
    """Run `moves` on threads of their own → each one's result or ApplicationError code.

    With `hold_order_id` (PostgreSQL), another connection holds that order's row until every
    move waits for it, so they really meet."""
    results: list = [None] * len(moves)
    start = threading.Barrier(len(moves))

    def run(index, move):
        try:
            start.wait()
            results[index] = move()
        except ApplicationError as error:
            results[index] = error.code
        except BaseException as error:  # reported by the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(moves)]
    if hold_order_id is None:
        for thread in threads:
            thread.start()
    else:
        with psycopg.connect(database_url_of_test_database()) as holder:
            holder.execute(
                f"SELECT 1 FROM {Order._meta.db_table} WHERE id = %s FOR UPDATE",  # noqa: S608
                [hold_order_id],
            )
            pid = holder.info.backend_pid
            for thread in threads:
                thread.start()
            wait_until(
                lambda: lock_waiters(besides=pid) == len(moves),
                timeout=30,
                message="the moves never waited for the order",
            )
            holder.rollback()
    for thread in threads:
        thread.join(timeout=120)
    close_old_connections()
    return results


def cancel_both(order, first, hold: bool):
    staff = UserFactory(is_staff=True)
    return run_at_once(
        [
            lambda: services.supplier_part_set_state(
                order_id=order.pk, state="canceled", supplier=first.shop.user
            ),
            lambda: services.order_set_state(order_id=order.pk, state="canceled", actor=staff),
        ],
        hold_order_id=order.pk if hold else None,
    )


def assert_canceled_once(order, first, second, results):
    assert not [result for result in results if isinstance(result, BaseException)], results
    # Whoever came second found the supplier's part canceled already: a 409, or staff
    # canceling only the other part.
    assert "conflict" in results or all(not isinstance(r, str) for r in results)
    assert set(OrderPart.objects.filter(order=order).values_list("state", flat=True)) == {
        "canceled"
    }
    for part in OrderPart.objects.filter(order=order):
        assert part.history.filter(to_state="canceled").count() == 1
    assert OrderPartStateChange.objects.filter(to_state="canceled").count() == 2
    assert Order.objects.get(pk=order.pk).state == "canceled"
    assert OrderStateChange.objects.filter(order=order, to_state="canceled").count() == 1
    assert [Offer.objects.get(pk=o.pk).quantity for o in (first, second)] == [10, 10]


def test_a_supplier_and_staff_canceling_at_once_return_the_stock_once():
    order, first, second = two_supplier_order()
    results = cancel_both(order, first, hold=False)
    assert_canceled_once(order, first, second, results)


def test_they_meet_on_the_order_row_and_neither_move_is_lost():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's: SQLite lets one writer at a time")
    order, first, second = two_supplier_order()
    results = cancel_both(order, first, hold=True)
    assert_canceled_once(order, first, second, results)

    # Moving forward at once: the supplier confirms its part, staff the whole order.
    order, first, second = two_supplier_order()
    staff = UserFactory(is_staff=True)
    results = run_at_once(
        [
            lambda: services.supplier_part_set_state(
                order_id=order.pk, state="confirmed", supplier=first.shop.user
            ),
            lambda: services.order_set_state(order_id=order.pk, state="confirmed", actor=staff),
        ],
        hold_order_id=order.pk,
    )
    assert not [result for result in results if isinstance(result, BaseException)], results
    parts = OrderPart.objects.filter(order=order).order_by("pk")
    assert [part.state for part in parts] == ["confirmed", "confirmed"]
    for part in parts:
        assert list(part.history.values_list("to_state", flat=True)) == ["new", "confirmed"]
    assert Order.objects.get(pk=order.pk).state == "confirmed"
    assert list(
        OrderStateChange.objects.filter(order=order).values_list("to_state", flat=True)
    ) == ["new", "confirmed"]
    assert [Offer.objects.get(pk=o.pk).quantity for o in (first, second)] == [8, 7]
