"""Orders placed before parts existed get one part per shop of their lines, in the order's
state and with the order's history; nothing else changes."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from procurement.catalog.models import Offer
from procurement.orders.models import Order, OrderItem, OrderPart, OrderStateChange
from tests.support.factories import ContactFactory, OfferFactory, ShopFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("orders", "0002_offer_and_placed_at")]
PARTS = [("orders", "0003_order_parts")]
PLACED_AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def migrate(targets):
    """Migrate to `targets` → the apps (historical models) of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture
def old_apps():
    try:
        yield migrate(BEFORE)
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def old_order(apps, *, user, state, lines, history):
    """An order of the old schema: (offer, quantity, shop name kept) lines and (from, to, by,
    at) history."""
    order = apps.get_model("orders", "Order").objects.create(
        user_id=user.pk,
        state=state,
        total_sum=sum(
            (Decimal(offer.price) * quantity for offer, quantity, _name in lines), Decimal(0)
        ),
        delivery_address={"city": "Moscow"} if state != "basket" else {},
    )
    for offer, quantity, name in lines:
        apps.get_model("orders", "OrderItem").objects.create(
            order_id=order.pk,
            offer_id=offer.pk,
            quantity=quantity,
            price=Decimal(offer.price) if state != "basket" else None,
            shop_id_snapshot=offer.shop_id if state != "basket" else None,
            shop_name=name,
        )
    changes = apps.get_model("orders", "OrderStateChange")
    for from_state, to_state, by, at in history:
        change = changes.objects.create(
            order_id=order.pk, from_state=from_state, to_state=to_state, changed_by_id=by
        )
        changes.objects.filter(pk=change.pk).update(at=at)
    return order.pk


def rows() -> dict:
    """Everything the migration must leave as it was."""
    return {
        "orders": list(Order.objects.order_by("pk").values()),
        "lines": list(OrderItem.objects.order_by("pk").values()),
        "history": list(OrderStateChange.objects.order_by("pk").values()),
        "stock": list(Offer.objects.order_by("pk").values_list("pk", "quantity")),
    }


def test_placed_orders_get_their_parts_with_the_orders_state_and_history(old_apps):
    first_shop, second_shop = ShopFactory(name="Связной"), ShopFactory(name="Эльдорадо")
    phone = OfferFactory(shop=first_shop, price="100.00", quantity=5)
    case = OfferFactory(shop=first_shop, price="10.00", quantity=5)
    cable = OfferFactory(shop=second_shop, price="20.00", quantity=5)
    buyer, staff = ContactFactory().user, UserFactory(is_staff=True)
    later = PLACED_AT + timedelta(hours=2)

    confirmed = old_order(
        old_apps,
        user=buyer,
        state="confirmed",
        lines=[(phone, 1, "Связной (old name)"), (case, 2, "Связной"), (cable, 3, "Эльдорадо")],
        history=[("basket", "new", buyer.pk, PLACED_AT), ("new", "confirmed", staff.pk, later)],
    )
    canceled = old_order(
        old_apps,
        user=buyer,
        state="canceled",
        lines=[(cable, 1, "Эльдорадо")],
        history=[("basket", "new", buyer.pk, PLACED_AT), ("new", "canceled", None, later)],
    )
    basket = old_order(
        old_apps, user=UserFactory(), state="basket", lines=[(phone, 1, "")], history=[]
    )
    before = rows()

    migrate(PARTS)

    assert rows() == before
    assert not OrderPart.objects.filter(order_id=basket).exists()
    first, second = OrderPart.objects.filter(order_id=confirmed).order_by("pk")
    assert (first.shop_id, first.state, first.shop_name) == (
        first_shop.pk,
        "confirmed",
        "Связной (old name)",  # as the order's first line of that shop kept it
    )
    assert (second.shop_id, second.state, second.shop_name) == (
        second_shop.pk,
        "confirmed",
        "Эльдорадо",
    )
    for part in (first, second):
        assert list(part.history.values_list("from_state", "to_state", "changed_by", "at")) == [
            ("basket", "new", buyer.pk, PLACED_AT),
            ("new", "confirmed", staff.pk, later),
        ]
    (only,) = OrderPart.objects.filter(order_id=canceled)
    assert (only.shop_id, only.state) == (second_shop.pk, "canceled")
    assert list(only.history.values_list("to_state", "changed_by", "at")) == [
        ("new", buyer.pk, PLACED_AT),
        ("canceled", None, later),
    ]
    assert OrderPart.objects.count() == 3
