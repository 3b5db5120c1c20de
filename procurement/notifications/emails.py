"""One function per email. Each records the email, with what it is written from, in the
transaction of the change it reports; the send_email task writes it in the recipient's
language and sends it after commit."""

from django.conf import settings

from procurement.core.tasks import run_after_commit
from procurement.notifications.models import OutboundEmail
from procurement.notifications.tasks import send_email


def _queue(*, event: str, to: str, language: str, params: dict) -> OutboundEmail:
    email = OutboundEmail.objects.create(
        event=event, to=to, language=language or settings.LANGUAGE_CODE, params=params
    )
    run_after_commit(send_email, email.pk)
    return email


def email_registration_confirmation(*, user, token: str) -> OutboundEmail:
    return _queue(
        event="registration_confirmation",
        to=user.email,
        language=user.language,
        params={"user_id": user.pk, "token": token},
    )


def email_password_reset(*, user, token: str) -> OutboundEmail:
    return _queue(
        event="password_reset",
        to=user.email,
        language=user.language,
        params={"user_id": user.pk, "token": token},
    )


def email_order_confirmation(*, order) -> OutboundEmail:
    return _queue(
        event="order_confirmation",
        to=order.user.email,
        language=order.user.language,
        params={"order_id": order.pk},
    )


def email_order_invoice_for_admin(*, order) -> OutboundEmail:
    return _queue(
        event="order_invoice_admin",
        to=settings.ORDER_ADMIN_EMAIL,
        language=settings.LANGUAGE_CODE,
        params={"order_id": order.pk},
    )


def email_order_invoice_for_supplier(*, order, shop) -> OutboundEmail:
    return _queue(
        event="order_invoice_supplier",
        to=shop.user.email,
        language=shop.user.language,
        params={"order_id": order.pk, "shop_id": shop.pk},
    )


def email_order_state_changed(*, order, previous_state: str) -> OutboundEmail:
    return _queue(
        event="order_state_changed",
        to=order.user.email,
        language=order.user.language,
        params={"order_id": order.pk, "state": order.state, "previous_state": previous_state},
    )
