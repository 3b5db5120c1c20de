"""One function per email. Each renders its templates in the recipient's language,
records the email in the current transaction and sends it after commit."""

from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from procurement.core.tasks import run_after_commit
from procurement.notifications.models import OutboundEmail
from procurement.notifications.tasks import send_email


def _queue(*, event: str, to: str, language: str, context: dict) -> OutboundEmail:
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/{event}_subject.txt", context)
        body_text = render_to_string(f"emails/{event}_body.txt", context)
        body_html = render_to_string(f"emails/{event}_body.html", context)
    email = OutboundEmail.objects.create(
        event=event,
        to=to,
        subject=" ".join(subject.split())[:255],
        body_text=body_text,
        body_html=body_html,
    )
    run_after_commit(send_email, email.pk)
    return email


def email_registration_confirmation(*, user, token: str) -> OutboundEmail:
    return _queue(
        event="registration_confirmation",
        to=user.email,
        language=user.language,
        context={"user": user, "token": token, "ttl_hours": settings.CONFIRM_TOKEN_TTL_HOURS},
    )


def email_password_reset(*, user, token: str) -> OutboundEmail:
    return _queue(
        event="password_reset",
        to=user.email,
        language=user.language,
        context={
            "user": user,
            "token": token,
            "ttl_hours": settings.PASSWORD_RESET_TOKEN_TTL_HOURS,
        },
    )


def _lines(items) -> list[dict]:
    return [
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


def _order_context(order, items) -> dict:
    lines = _lines(items)
    return {
        "order": order,
        "buyer": order.user,
        "address": order.delivery_address,
        "lines": lines,
        "total": sum((line["sum"] for line in lines), Decimal("0.00")),
    }


def email_order_confirmation(*, order, items) -> OutboundEmail:
    return _queue(
        event="order_confirmation",
        to=order.user.email,
        language=order.user.language,
        context=_order_context(order, items),
    )


def email_order_invoice_for_admin(*, order, items) -> OutboundEmail:
    return _queue(
        event="order_invoice_admin",
        to=settings.ORDER_ADMIN_EMAIL,
        language=settings.LANGUAGE_CODE,
        context=_order_context(order, items),
    )


def email_order_invoice_for_supplier(*, order, shop, items) -> OutboundEmail:
    return _queue(
        event="order_invoice_supplier",
        to=shop.user.email,
        language=shop.user.language,
        context={**_order_context(order, items), "shop": shop},
    )


def email_order_state_changed(*, order, previous_state: str) -> OutboundEmail:
    return _queue(
        event="order_state_changed",
        to=order.user.email,
        language=order.user.language,
        context={"order": order, "previous_state": previous_state},
    )
