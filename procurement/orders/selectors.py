"""Order reads, each in a fixed number of queries whatever the number of lines or orders."""

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet
from django.utils.translation import gettext as _

from procurement.accounts.models import User
from procurement.catalog.models import OfferParameter, Shop, open_for_orders_value
from procurement.core.errors import ApplicationError, ErrorCode
from procurement.orders.models import (
    Order,
    OrderItem,
    OrderPart,
    OrderPartStateChange,
    OrderState,
)


def _items_with_offers() -> QuerySet[OrderItem]:
    parameters = OfferParameter.objects.select_related("parameter").order_by("id")
    return (
        OrderItem.objects.select_related("offer__product", "offer__shop")
        .prefetch_related(Prefetch("offer__parameters", queryset=parameters))
        .defer("offer__search_text")
        .order_by("id")
    )


def _parts_with_history() -> QuerySet[OrderPart]:
    history = OrderPartStateChange.objects.select_related("changed_by").only(
        "part", "to_state", "at", "changed_by__is_staff", "changed_by__type"
    )
    return (
        OrderPart.objects.prefetch_related(Prefetch("history", queryset=history))
        .prefetch_related("short_deliveries")
        .order_by("id")
    )


def basket_detail(*, basket: Order) -> Order:
    """The basket with its lines priced at today's offers, each with what would stop it
    from being ordered now (`line_problem`), as placing the order would find it."""
    lines = _items_with_offers().annotate(
        shop_open_for_orders=open_for_orders_value("offer__shop__")
    )
    basket = Order.baskets.prefetch_related(Prefetch("ordered_items", queryset=lines)).get(
        pk=basket.pk
    )
    for item in basket.ordered_items.all():
        item.line_sum = item.offer.price * item.quantity
        item.line_problem = _line_problem(item)
    basket.basket_total = sum(
        (item.line_sum for item in basket.ordered_items.all()), Decimal("0.00")
    )
    return basket


def _line_problem(item: OrderItem) -> str | None:
    offer = item.offer
    if offer.is_withdrawn:
        return _("No longer in its shop's price list.")
    if not getattr(item, "shop_open_for_orders", True):
        return _("The shop %(shop)s does not accept orders now.") % {"shop": offer.shop.name}
    if offer.quantity == 0:
        return _("Out of stock.")
    if item.quantity > offer.quantity:
        return _("Only %(available)d in stock.") % {"available": offer.quantity}
    return None


def order_cancelable_by_buyer(order: Order, parts: Iterable[OrderPart] | None = None) -> bool:
    """Whether the buyer may cancel the whole order: while every part not canceled is still
    `new` (staff may make any allowed move). `parts` are the order's, when already read."""
    going = [
        part
        for part in (order.parts.all() if parts is None else parts)
        if part.state != OrderState.CANCELED
    ]
    return bool(going) and all(part.state == OrderState.NEW for part in going)


def order_list(*, user: User, state: str | None = None) -> QuerySet[Order]:
    orders = (
        Order.placed.filter(user=user)
        .annotate(items_count=Count("ordered_items"))
        .order_by("-placed_at", "-id")
    )
    return orders.filter(state=state) if state else orders


def orders_open_to(user: User | None) -> QuerySet[Order]:
    """The placed orders `user` may see and act on: its own; every one for staff and for
    the system (`None`). Anyone else is told there is no such order (`order_not_found`)."""
    orders = Order.placed.all()
    if user is not None and not user.is_staff:
        orders = orders.filter(user=user)
    return orders


def order_not_found() -> ApplicationError:
    return ApplicationError(ErrorCode.NOT_FOUND, _("No such order."))


def order_detail(*, user: User, order_id: int) -> Order:
    """A placed order with its lines, history and parts, for its buyer or staff; 404 for
    anyone else."""
    order = (
        orders_open_to(user)
        .prefetch_related(
            Prefetch("ordered_items", queryset=_items_with_offers()),
            "history",
            Prefetch("parts", queryset=_parts_with_history()),
        )
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise order_not_found()
    return order


def _supplier_orders(supplier: User, part_state: str | None = None) -> QuerySet[Order]:
    """Placed orders holding a part of the supplier's shop (none before it has one), in
    `part_state` if given; `shop_items` holds only its lines, `shop_parts` only its part."""
    shop_id = Shop.objects.filter(user=supplier).values_list("pk", flat=True).first()
    if shop_id is None:
        return Order.placed.none()
    # One filter() call: the shop and the state are those of the same part.
    parts = {"parts__shop_id": shop_id} | ({"parts__state": part_state} if part_state else {})
    return Order.placed.filter(**parts).prefetch_related(
        Prefetch(
            "ordered_items",
            queryset=_items_with_offers().filter(shop_id_snapshot=shop_id),
            to_attr="shop_items",
        ),
        Prefetch(
            "parts", queryset=_parts_with_history().filter(shop_id=shop_id), to_attr="shop_parts"
        ),
    )


def supplier_order_list(*, supplier: User, state: str | None = None) -> QuerySet[Order]:
    """Placed orders holding the supplier's goods, newest first; `state` is its part's."""
    return _supplier_orders(supplier, state).order_by("-placed_at", "-id")


def supplier_order_detail(*, supplier: User, order_id: int) -> Order:
    """One order as its supplier sees it (as in the list); 404 without its goods."""
    order = _supplier_orders(supplier).filter(pk=order_id).first()
    if order is None:
        raise order_not_found()
    return order
