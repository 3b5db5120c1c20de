"""One function per email. Each renders its templates in the recipient's language,
records the email in the current transaction and sends it after commit."""

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
