"""The PostgreSQL backend: statements bound by the server, prepared when run again and again,
and never more parameters in one statement than the protocol allows."""

import pytest
from django.db import connection

from procurement.catalog.models import Shop
from procurement.core.postgresql.base import MAX_QUERY_PARAMS
from procurement.notifications.models import OutboundEmail
from procurement.orders.models import Order, OrderState, OrderStateChange
from tests.support.factories import UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]


def _prepared_after_six_runs(shops) -> list[str]:
    for _ in range(6):
        list(shops.all())  # a new query each time
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_statement_run_again_and_again_is_prepared():
    statements = _prepared_after_six_runs(Shop.objects.filter(name="x"))
    assert any('FROM "catalog_shop"' in statement for statement in statements), statements


def test_a_like_search_is_planned_for_its_values_every_time():
    statements = _prepared_after_six_runs(Shop.objects.filter(name__contains="x"))
    assert not any(" LIKE " in statement for statement in statements), statements


def test_a_bulk_insert_of_more_parameters_than_a_statement_may_carry():
    rows = MAX_QUERY_PARAMS // 4
    emails = OutboundEmail.objects.bulk_create(
        OutboundEmail(event="x", to=f"{n}@example.com", language="en", params={})
        for n in range(rows)
    )
    assert len(emails) == rows
    assert all(email.pk for email in emails)
    assert OutboundEmail.objects.count() == rows


def test_a_delete_that_cascades_from_more_rows_than_a_statement_may_name():
    buyer = UserFactory()
    orders = Order.objects.bulk_create(
        Order(user=buyer, state=OrderState.NEW) for _ in range(MAX_QUERY_PARAMS + 10)
    )
    OrderStateChange.objects.bulk_create(
        OrderStateChange(order=order, from_state=OrderState.BASKET, to_state=OrderState.NEW)
        for order in orders[-3:]
    )
    _deleted, by_model = Order.objects.filter(user=buyer).delete()
    assert by_model["orders.Order"] == len(orders)
    assert by_model["orders.OrderStateChange"] == 3
    assert not Order.objects.exists()
