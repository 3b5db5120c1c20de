"""Writing an email: its templates, in its language, from the context its event builds."""

from collections.abc import Callable, Iterable
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from procurement.accounts.models import User
from procurement.catalog.models import Shop
from procurement.notifications.models import OutboundEmail
from procurement.orders.models import Order, OrderState

# Emails that carry a one-time token: their text is not kept once they are sent.
SECRET_EVENTS = frozenset({"registration_confirmation", "password_reset"})


def _token_context(params: dict, ttl_hours: int) -> dict:
    user = User.objects.get(pk=params["user_id"])
    return {"user": user, "token": params["token"], "ttl_hours": ttl_hours}


def _load_order(order_id: int) -> tuple[Order, list]:
    order = Order.objects.select_related("user").get(pk=order_id)
    return order, list(order.ordered_items.order_by("id"))


LoadOrder = Callable[[int], tuple[Order, list]]


def _order_context(params: dict, load_order: LoadOrder) -> dict:
    order, items = load_order(params["order_id"])
    context = {"order": order, "buyer": order.user, "address": order.delivery_address}
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
            "sum": item.price * item.quantity,
        }
        for item in items
    ]
    return {
        **context,
        "lines": lines,
        "total": sum((line["sum"] for line in lines), Decimal("0.00")),
    }


def _state_change_context(params: dict, load_order: LoadOrder) -> dict:
    return {
        "order": load_order(params["order_id"])[0],
        "state": OrderState(params["state"]).label,
        "previous_state": OrderState(params["previous_state"]).label,
    }


CONTEXT_BUILDERS = {
    "registration_confirmation": lambda params, _load_order: _token_context(
        params, settings.CONFIRM_TOKEN_TTL_HOURS
    ),
    "password_reset": lambda params, _load_order: _token_context(
        params, settings.PASSWORD_RESET_TOKEN_TTL_HOURS
    ),
    "order_confirmation": _order_context,
    "order_invoice_admin": _order_context,
    "order_invoice_supplier": _order_context,
    "order_state_changed": _state_change_context,
}


def write_emails(emails: Iterable[OutboundEmail]) -> None:
    """Fill subject and bodies from each event's templates in each email's language.

    The emails of one order (buyer, admin, suppliers) read the order and its lines once.
    """
    load_order = cache(_load_order)
    for email in emails:
        context = CONTEXT_BUILDERS[email.event](email.params, load_order)
        with translation.override(email.language or settings.LANGUAGE_CODE):
            subject = render_to_string(f"emails/{email.event}_subject.txt", context)
            email.body_text = render_to_string(f"emails/{email.event}_body.txt", context)
            email.body_html = render_to_string(f"emails/{email.event}_body.html", context)
        email.subject = " ".join(subject.split())[:255]
