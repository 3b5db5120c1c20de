import smtplib

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from procurement.notifications.models import OutboundEmail
from procurement.notifications.rendering import SECRET_EVENTS, write_email

REDACTED = "(held a one-time token; not kept after sending)"


class EmailNotSent(Exception):
    """The SMTP server refused or could not be reached; the email stays recorded as failed."""


@shared_task(
    autoretry_for=(EmailNotSent,),
    retry_backoff=2,
    retry_backoff_max=600,
    retry_jitter=False,
    max_retries=10,
    time_limit=120,
    soft_time_limit=90,
)
def send_email(outbound_email_id: int) -> None:
    """Write (once) and send one recorded email; a run after it was sent sends nothing.

    On an SMTP error the email is marked failed and the task retried with exponential
    backoff. No lock is held while talking to the SMTP server: at worst two overlapping
    runs deliver the same email twice, never zero times.
    """
    email = OutboundEmail.objects.filter(pk=outbound_email_id).first()
    if email is None or email.state == OutboundEmail.State.SENT:
        return
    if not email.subject:
        write_email(email)
        email.save(update_fields=["subject", "body_text", "body_html"])
    message = EmailMultiAlternatives(email.subject, email.body_text, to=[email.to])
    message.attach_alternative(email.body_html, "text/html")
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        error_text = f"{type(error).__name__}: {error}"[:2000]
        OutboundEmail.objects.filter(pk=email.pk).exclude(state=OutboundEmail.State.SENT).update(
            state=OutboundEmail.State.FAILED, attempts=email.attempts + 1, last_error=error_text
        )
        raise EmailNotSent(error_text) from error
    sent = {"state": OutboundEmail.State.SENT, "attempts": email.attempts + 1, "last_error": ""}
    if email.event in SECRET_EVENTS:
        sent.update(params={}, body_text=REDACTED, body_html=REDACTED)
    OutboundEmail.objects.filter(pk=email.pk).update(**sent, sent_at=timezone.now())
