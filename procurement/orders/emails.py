"""The emails of orders: each built with what it is written from, and the context each is
written with when the send_email task writes it (registered in OrdersConfig.ready). The
emails of one order share the reading of the order and its lines."""

from decimal import Decimal

from django.conf import settings
from django.urls import reverse

from procurement.catalog.models import Shop
from procurement.core.site import site_url
from procurement.notifications.emails import outbound_email
from procurement.notifications.models import OutboundEmail
from procurement.notifications.rendering import SharedReads, register_email
from procurement.orders.models import Order, OrderItem, OrderPart, OrderState


def order_confirmation_email(*, order: Order) -> OutboundEmail:
    return outbound_email(
        event="order_confirmation",
        to=order.user.email,
        language=order.user.language,
        params={"order_id": order.pk},
    )


def order_invoice_for_admin_email(*, order: Order) -> OutboundEmail:
    return outbound_email(
        event="order_invoice_admin",
        to=settings.ORDER_ADMIN_EMAIL,
        language=settings.LANGUAGE_CODE,
        params={"order_id": order.pk},
    )


def order_invoice_for_supplier_email(*, order: Order, shop: Shop) -> OutboundEmail:
    supplier = shop.user
    if supplier is None:  # callers skip shops without an owner: nobody to send it to
        raise ValueError(f"shop {shop.pk} has no owner to send its invoice to")
    return outbound_email(
        event="order_invoice_supplier",
        to=supplier.email,
        language=supplier.language,
        params={"order_id": order.pk, "shop_id": shop.pk},
    )


def order_state_changed_email(
    *, order: Order, previous_state: str, moves: list[tuple[OrderPart, str]]
) -> OutboundEmail:
    """The whole order moved: its state, and each supplier's part that moved."""
    return outbound_email(
        event="order_state_changed",
        to=order.user.email,
        language=order.user.language,
        params={
            "order_id": order.pk,
            "state": order.state,
            "previous_state": previous_state,
            "parts": [
                {"shop": part.shop_name, "state": part.state, "previous_state": previous}
                for part, previous in moves
            ],
        },
    )


def order_part_state_changed_email(
    *, order: Order, part: OrderPart, previous_state: str
) -> OutboundEmail:
    """One supplier's part moved; the order's state as it is after the move."""
    return outbound_email(
        event="order_part_state_changed",
        to=order.user.email,
        language=order.user.language,
        params={
            "order_id": order.pk,
            "shop": part.shop_name,
            "state": part.state,
            "previous_state": previous_state,
            "order_state": order.state,
        },
    )


def order_short_delivery_email(
    *, order: Order, part: OrderPart, reason: str, lines: list[tuple[OrderItem, int, int]]
) -> OutboundEmail:
    """A supplier lowered lines of its part: (line, quantity before, after) each."""
    return outbound_email(
        event="order_short_delivery",
        to=order.user.email,
        language=order.user.language,
        params={
            "order_id": order.pk,
            "shop": part.shop_name,
            "reason": reason,
            "total": f"{order.total_sum:.2f}",
            "lines": [
                {
                    "name": item.product_name,
                    "model": item.model,
                    "before": before,
                    "after": after,
                }
                for item, before, after in lines
            ],
        },
    )


def _order(reads: SharedReads, order_id: int) -> Order:
    return reads.get(
        (Order, order_id), lambda: Order.objects.select_related("user").get(pk=order_id)
    )


def _lines(reads: SharedReads, order_id: int) -> list[OrderItem]:
    return reads.get(
        (OrderItem, order_id),
        lambda: list(OrderItem.objects.filter(order_id=order_id).order_by("id")),
    )


def _order_url(order_id: int) -> str:
    return site_url(reverse("web:order", kwargs={"order_id": order_id}))


def _order_context(params: dict, reads: SharedReads) -> dict:
    order, items = _order(reads, params["order_id"]), _lines(reads, params["order_id"])
    context = {
        "order": order,
        "buyer": order.user,
        "address": order.delivery_address,
        "order_url": _order_url(order.pk),
    }
    if "shop_id" in params:
        items = [item for item in items if item.shop_id_snapshot == params["shop_id"]]
        context["shop"] = Shop.objects.get(pk=params["shop_id"])
    lines = [
        {
            "shop": item.shop_name,
            "name": item.product_name,
            "model": item.model,
            "price": item.price,
            "quantity": item.quantity,
            "sum": item.placed_sum,
        }
        for item in items
    ]
    return {
        **context,
        "lines": lines,
        "total": sum((item.placed_sum for item in items), Decimal("0.00")),
    }


def _state_change_context(params: dict, reads: SharedReads) -> dict:
    return {
        "order": _order(reads, params["order_id"]),
        "order_url": _order_url(params["order_id"]),
        "state": OrderState(params["state"]).label,
        "previous_state": OrderState(params["previous_state"]).label,
        "parts": [
            {
                "shop": part["shop"],
                "state": OrderState(part["state"]).label,
                "previous_state": OrderState(part["previous_state"]).label,
            }
            for part in params.get("parts", [])
        ],
    }


def _part_state_change_context(params: dict, reads: SharedReads) -> dict:
    return {
        "order": _order(reads, params["order_id"]),
        "order_url": _order_url(params["order_id"]),
        "shop": params["shop"],
        "state": OrderState(params["state"]).label,
        "previous_state": OrderState(params["previous_state"]).label,
        "order_state": OrderState(params["order_state"]).label,
    }


def _short_delivery_context(params: dict, reads: SharedReads) -> dict:
    return {
        "order": _order(reads, params["order_id"]),
        "order_url": _order_url(params["order_id"]),
        "shop": params["shop"],
        "reason": params["reason"],
        "total": Decimal(params["total"]),
        "lines": params["lines"],
    }


def register_emails() -> None:
    """Tell the outbox how to write the emails of orders."""
    for event in ("order_confirmation", "order_invoice_admin", "order_invoice_supplier"):
        register_email(event, _order_context)
    register_email("order_state_changed", _state_change_context)
    register_email("order_part_state_changed", _part_state_change_context)
    register_email("order_short_delivery", _short_delivery_context)
