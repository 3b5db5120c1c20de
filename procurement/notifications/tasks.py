import smtplib
from contextlib import suppress

from celery import shared_task
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils import timezone

from procurement.notifications.models import OutboundEmail
from procurement.notifications.rendering import SECRET_EVENTS, OrderReads, write_email

REDACTED = "(held a one-time token; not kept after sending)"
RETRY_FIRST_SECONDS = 2
RETRY_MAX_SECONDS = 600


class EmailNotSent(Exception):
    """The SMTP server refused or could not be reached; the email stays recorded as failed."""


@shared_task(bind=True, max_retries=10, time_limit=300, soft_time_limit=270)
def send_email(self, *outbound_email_ids: int) -> None:
    """Write (once) and send recorded emails over one SMTP session; one task for all the
    emails of a change. A run after an email was sent sends it no more.

    The emails the SMTP server refused are marked failed and retried in a new run of this
    task with exponential backoff. No lock is held while talking to the SMTP server: at
    worst two overlapping runs deliver the same email twice, never zero times.
    """
    emails = _written(
        OutboundEmail.objects.filter(pk__in=outbound_email_ids)
        .exclude(state=OutboundEmail.State.SENT)
        .order_by("pk")
    )
    connection = get_connection()
    failed: list[int] = []
    errors: list[str] = []
    try:
        for email in emails:
            try:
                _deliver(email, connection)
            except EmailNotSent as error:
                failed.append(email.pk)
                errors.append(str(error))
    finally:
        _close_quietly(connection)
    if failed:
        countdown = min(RETRY_FIRST_SECONDS * 2**self.request.retries, RETRY_MAX_SECONDS)
        raise self.retry(args=failed, countdown=countdown, exc=EmailNotSent("; ".join(errors)))


def _written(emails) -> list[OutboundEmail]:
    """The emails, each written once (the emails of one order share its reading). One whose
    user, order or shop was deleted is marked failed and left out: trying again cannot help."""
    reads = OrderReads()
    written = []
    for email in emails:
        if not email.subject:
            try:
                write_email(email, reads)
            except ObjectDoesNotExist as error:
                _record_failure(email, f"Cannot be written: {error}")
                continue
        written.append(email)
    return written


def _deliver(email: OutboundEmail, connection) -> None:
    """Send one written email and record the outcome with its text, in one statement."""
    message = EmailMultiAlternatives(
        email.subject, email.body_text, to=[email.to], connection=connection
    )
    message.attach_alternative(email.body_html, "text/html")
    written = {"subject": email.subject, "body_text": email.body_text, "body_html": email.body_html}
    try:
        connection.open()  # the first email of the run opens the session the others reuse
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        _close_quietly(connection)  # the next email starts a fresh session
        error_text = _record_failure(email, f"{type(error).__name__}: {error}", **written)
        raise EmailNotSent(error_text) from error
    if email.event in SECRET_EVENTS:
        written.update(params={}, body_text=REDACTED, body_html=REDACTED)
    _unsent(email).update(
        **written,
        state=OutboundEmail.State.SENT,
        attempts=email.attempts + 1,
        last_error="",
        sent_at=timezone.now(),
    )


def _unsent(email: OutboundEmail):
    return OutboundEmail.objects.filter(pk=email.pk).exclude(state=OutboundEmail.State.SENT)


def _record_failure(email: OutboundEmail, error: str, **fields) -> str:
    """Mark the email failed (unless another run sent it meanwhile); returns the error kept."""
    error_text = error[:2000]
    _unsent(email).update(
        **fields,
        state=OutboundEmail.State.FAILED,
        attempts=email.attempts + 1,
        last_error=error_text,
    )
    return error_text


def _close_quietly(connection) -> None:
    with suppress(smtplib.SMTPException, OSError):
        connection.close()
