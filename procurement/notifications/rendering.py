"""Writing an email: its templates, in its language, from the context its event builds."""

from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from procurement.accounts.models import Registration, User
from procurement.accounts.tokens import issue_password_reset_token
from procurement.catalog.models import Shop
from procurement.notifications.models import OutboundEmail
from procurement.orders.models import Order, OrderItem, OrderState

# Emails that carry a one-time token: their text is not kept once they are sent.
SECRET_EVENTS = frozenset({"registration_confirmation", "password_reset"})

# A context may name the language to write in when only the writer knows it.
LANGUAGE = "language"


class OrderReads:
    """The orders and order lines the emails of one run are written from, each read once
    (an order's buyer confirmation, admin invoice and supplier invoices share them)."""

    def __init__(self):
        self._orders: dict[int, Order] = {}
        self._lines: dict[int, list[OrderItem]] = {}

    def order(self, order_id: int) -> Order:
        if order_id not in self._orders:
            self._orders[order_id] = Order.objects.select_related("user").get(pk=order_id)
        return self._orders[order_id]

    def lines(self, order_id: int) -> list[OrderItem]:
        if order_id not in self._lines:
            self._lines[order_id] = list(OrderItem.objects.filter(order_id=order_id).order_by("id"))
        return self._lines[order_id]


def _registration_context(params: dict, _reads: OrderReads) -> dict:
    # Emails recorded before registrations were kept apart name a user instead: their
    # tokens were deleted by the migration that made those users unusable.
    registration = Registration.objects.get(pk=params.get("registration_id"))
    return {
        "user": registration,  # the templates greet by `user.first_name`
        "token": params["token"],
        "ttl_hours": settings.CONFIRM_TOKEN_TTL_HOURS,
    }


def _registration_attempt_context(params: dict, _reads: OrderReads) -> dict:
    return {"user": User.objects.get(pk=params["user_id"])}


def _password_reset_context(params: dict, _reads: OrderReads) -> dict:
    """Issues the token now, for the active account of the address (the request that
    recorded the email never looked); raises User.DoesNotExist when there is none."""
    if "email" not in params:  # recorded by an earlier version, with its token issued
        user = User.objects.get(pk=params["user_id"], is_active=True)
        token = params["token"]
    else:
        user, token = issue_password_reset_token(email=params["email"])
    return {
        "user": user,
        "token": token,
        "ttl_hours": settings.PASSWORD_RESET_TOKEN_TTL_HOURS,
        LANGUAGE: user.language,
    }


def _order_context(params: dict, reads: OrderReads) -> dict:
    order, items = reads.order(params["order_id"]), reads.lines(params["order_id"])
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


def _state_change_context(params: dict, reads: OrderReads) -> dict:
    return {
        "order": reads.order(params["order_id"]),
        "state": OrderState(params["state"]).label,
        "previous_state": OrderState(params["previous_state"]).label,
    }


CONTEXT_BUILDERS = {
    "registration_confirmation": _registration_context,
    "registration_attempt": _registration_attempt_context,
    "password_reset": _password_reset_context,
    "order_confirmation": _order_context,
    "order_invoice_admin": _order_context,
    "order_invoice_supplier": _order_context,
    "order_state_changed": _state_change_context,
}


def write_email(email: OutboundEmail, reads: OrderReads) -> None:
    """Fill subject and bodies from the event's templates in the email's language.

    Raises ObjectDoesNotExist when what the email is written from was deleted.
    """
    context = CONTEXT_BUILDERS[email.event](email.params, reads)
    email.language = context.pop(LANGUAGE, None) or email.language or settings.LANGUAGE_CODE
    with translation.override(email.language):
        subject = render_to_string(f"emails/{email.event}_subject.txt", context)
        email.body_text = render_to_string(f"emails/{email.event}_body.txt", context)
        email.body_html = render_to_string(f"emails/{email.event}_body.html", context)
    email.subject = " ".join(subject.split())[:255]
