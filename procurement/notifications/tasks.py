"""Sending the recorded emails: send_email (the emails of one change) and the periodic
send_unsent_emails (the emails whose own task was lost or gave up)."""

import smtplib
import uuid
from contextlib import suppress

from celery import Task, shared_task
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import DatabaseError
from django.db.models import F, QuerySet
from django.utils import timezone

from procurement.core.db import is_conflict, is_unavailable
from procurement.core.tasks import periodic
from procurement.notifications.models import SEND_TIME_LIMIT_SECONDS, OutboundEmail
from procurement.notifications.rendering import SharedReads, secret_events, write_email

REDACTED = "(held a one-time token; not kept after sending)"
RETRY_FIRST_SECONDS = 2
RETRY_MAX_SECONDS = 600
MAX_RETRIES = 10

State = OutboundEmail.State


class EmailNotSent(Exception):
    """The SMTP server refused or could not be reached; the email stays recorded as failed."""


def retry_countdown(retries: int) -> int:
    """Seconds before the next try after `retries` earlier ones: 2, 4, 8 … up to 10 minutes."""
    return min(RETRY_FIRST_SECONDS * 2**retries, RETRY_MAX_SECONDS)


@shared_task(
    bind=True,
    max_retries=MAX_RETRIES,
    time_limit=SEND_TIME_LIMIT_SECONDS,
    soft_time_limit=SEND_TIME_LIMIT_SECONDS - 30,
)
def send_email(
    self: Task,
    *outbound_email_ids: int,
    delivered: list[int] | None = None,
    claims: list[str] | None = None,
) -> None:
    """Write (once) and send recorded emails over one SMTP session; one task for all the
    emails of a change. Each email goes out at most once per claim:

    - the run claims the emails in one UPDATE (pending or failed → sending, with its own
      claim and the time), so two runs never hold the same email; one held longer than
      the time limit belongs to a run that was killed and may be claimed again;
    - an email the SMTP server accepted is recorded sent; should that record fail (the
      database restarts), the retry carries the ids `delivered` and records them sent
      without sending them, and takes back the others its tries held (`claims`);
    - the emails the SMTP server refused are recorded failed and tried again, like the
      whole run after a database error, with exponential backoff.
    """
    run = _Run(claims=claims or [], unrecorded=delivered or [])
    try:
        run.record_delivered()
        emails = _written(run.claim_emails(outbound_email_ids))
        run.send(emails)
    except DatabaseError as error:
        if not (is_unavailable(error) or is_conflict(error)):
            raise
        raise self.retry(
            args=outbound_email_ids,
            kwargs={"delivered": run.unrecorded, "claims": run.claims},
            countdown=retry_countdown(self.request.retries),
            exc=error,
        ) from error
    if run.failed:
        raise self.retry(
            args=tuple(run.failed),
            kwargs={},
            countdown=retry_countdown(self.request.retries),
            exc=EmailNotSent("; ".join(run.errors)),
        )


@shared_task
@periodic
def send_unsent_emails() -> int:
    """Periodic (Celery beat): hand over again the emails nothing else will send."""
    from procurement.notifications.emails import unsent_emails_send

    return unsent_emails_send()


def _written(emails: list[OutboundEmail]) -> list[OutboundEmail]:
    """The emails, each written once and its text kept before it is sent (the emails of one
    change share their reads). One whose writer finds what it is written from deleted (a
    user, an order) is dropped: no later try could write it."""
    reads = SharedReads()
    written, newly_written = [], []
    for email in emails:
        if not email.subject:
            try:
                write_email(email, reads)
            except ObjectDoesNotExist as error:
                _held(email).update(
                    state=State.DROPPED, last_error=f"Cannot be written: {error}"[:2000]
                )
                continue
            newly_written.append(email)
        written.append(email)
    OutboundEmail.objects.bulk_update(newly_written, ["subject", "body_text", "body_html"])
    return written


class _Run:
    """One run's emails: the claims that may hold them (this run's and those of the tries of
    this task before it), those that went out and are not recorded yet, those the SMTP
    server refused and why. A retry after a database error starts from the claims and the
    unrecorded ids of the try before it. Only the tries of one task share their claims: they
    run one after the other, while the new delivery of a task whose worker died does not
    know the claim of the run that died."""

    def __init__(self, *, claims: list[str], unrecorded: list[int]):
        self.claims = list(claims)
        self.unrecorded = list(unrecorded)
        self.failed: list[int] = []
        self.errors: list[str] = []

    def record_delivered(self) -> None:
        """Record sent, without sending them, the emails the try before this one delivered."""
        if self.unrecorded:
            held = OutboundEmail.objects.filter(
                pk__in=self.unrecorded, state=State.SENDING, claim__in=self.claims
            )
            held.filter(event__in=secret_events()).update(
                params={}, body_text=REDACTED, body_html=REDACTED
            )
            held.update(state=State.SENT, last_error="", sent_at=timezone.now())
            self.unrecorded = []

    def claim_emails(self, ids: tuple[int, ...]) -> list[OutboundEmail]:
        """Take for this run, in one statement, the claimable emails of `ids` and those the
        tries before this one held; the emails this run now holds."""
        claim, now = uuid.uuid4(), timezone.now()
        claimable = OutboundEmail.objects.claimable(now=now)
        if self.claims:
            claimable |= OutboundEmail.objects.filter(state=State.SENDING, claim__in=self.claims)
        # Known before the statement: should it commit and its answer be lost, the retry
        # still knows the claim.
        self.claims.append(str(claim))
        claimable.filter(pk__in=ids).update(
            state=State.SENDING, claim=claim, claimed_at=now, attempts=F("attempts") + 1
        )
        return list(OutboundEmail.objects.filter(pk__in=ids, claim=claim).order_by("pk"))

    def send(self, emails: list[OutboundEmail]) -> None:
        connection = get_connection()
        try:
            for email in emails:
                try:
                    _deliver(email, connection)
                except EmailNotSent as error:
                    self.failed.append(email.pk)
                    self.errors.append(str(error))
                    _held(email).update(state=State.FAILED, last_error=str(error))
                    continue
                self.unrecorded.append(email.pk)
                _record_sent(email)
                self.unrecorded.remove(email.pk)
        finally:
            _close_quietly(connection)


def _deliver(email: OutboundEmail, connection: BaseEmailBackend) -> None:
    """Hand one written email to the SMTP server; EmailNotSent when it does not take it."""
    message = EmailMultiAlternatives(
        email.subject,
        email.body_text,
        to=[email.to],
        headers={"Message-ID": email.message_id},
        connection=connection,
    )
    message.attach_alternative(email.body_html, "text/html")
    try:
        connection.open()  # the first email of the run opens the session the others reuse
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        _close_quietly(connection)  # the next email starts a fresh session
        raise EmailNotSent(f"{type(error).__name__}: {error}"[:2000]) from error


def _record_sent(email: OutboundEmail) -> None:
    """One statement; the text of an email that carried a one-time token is not kept."""
    fields = {"state": State.SENT, "last_error": "", "sent_at": timezone.now()}
    if email.event in secret_events():
        fields.update(params={}, body_text=REDACTED, body_html=REDACTED)
    _held(email).update(**fields)


def _held(email: OutboundEmail) -> QuerySet[OutboundEmail]:
    return OutboundEmail.objects.filter(pk=email.pk, state=State.SENDING, claim=email.claim)


def _close_quietly(connection: BaseEmailBackend) -> None:
    with suppress(smtplib.SMTPException, OSError):
        connection.close()
