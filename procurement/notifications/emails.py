"""The outbox: each app builds the emails of its own changes (`outbound_email`: event,
recipient, language, parameters); `queue` records them in the transaction of the change
they report, and the send_email task writes each in its recipient's language and sends it
after commit. (docs/architecture.md: The outbox: how an email is built and sent)"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from procurement.core.tasks import run_after_commit
from procurement.notifications.models import OutboundEmail, OutboundEmailQuerySet
from procurement.notifications.tasks import retry_countdown, send_email

SEND_BATCH = 10  # emails per send_email task when sending again (each may wait EMAIL_TIMEOUT)


def outbound_email(*, event: str, to: str, language: str, params: dict) -> OutboundEmail:
    """One email of `event` to `to`, to be written in `language` (the site's when empty)
    from `params` (ids and values as they are at the change: JSON) by the context builder
    its app registered (rendering.register_email). Recorded by `queue`."""
    return OutboundEmail(
        event=event, to=to, language=language or settings.LANGUAGE_CODE, params=params
    )


def queue(*emails: OutboundEmail) -> list[OutboundEmail]:
    """Record the emails (one INSERT) and send them after commit (one task for them all)."""
    recorded = OutboundEmail.objects.bulk_create(emails)
    if recorded:
        run_after_commit(send_email, *[email.pk for email in recorded])
    return recorded


@transaction.atomic
def send_again(emails: OutboundEmailQuerySet) -> int:
    """Hand the unsent ones of `emails` (a queryset) to send_email again, after commit:
    pending, failed, or held by a run that died; never sent or dropped ones."""
    ids = list(emails.claimable().order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), SEND_BATCH):
        run_after_commit(send_email, *ids[start : start + SEND_BATCH])
    return len(ids)


def unsent_emails_send(*, recorded_before: datetime | None = None) -> int:
    """Send again the emails nothing else will send; the periodic task and the
    send_unsent_emails command. Overlapping runs are harmless: send_email claims each email.

    With `recorded_before` (the command's --older-than), every pending or failed email
    recorded by then. Without it (the periodic task), those whose own task was lost:
    pending and never tried EMAIL_LOST_AFTER_SECONDS after being recorded (the broker was
    down), or failed with the retry that should follow its last try that long overdue
    (its task was lost, or its retries are over: then the longest backoff, 10 minutes,
    counts). Both take the emails held by a run that died (past send_email's time limit).
    """
    now = timezone.now()
    if recorded_before is not None:
        return send_again(
            OutboundEmail.objects.filter(
                Q(created_at__lte=recorded_before) | Q(state=OutboundEmail.State.SENDING)
            )
        )
    lost_after = timedelta(seconds=settings.EMAIL_LOST_AFTER_SECONDS)
    failed = OutboundEmail.objects.filter(
        state=OutboundEmail.State.FAILED, created_at__lte=now - lost_after
    ).values_list("pk", "attempts", "claimed_at", "created_at")
    # The retry after a last try is at most RETRY_MAX_SECONDS away, also once the retries
    # are over: a task that sends again keeps its emails from being taken by another.
    overdue = [
        pk
        for pk, attempts, claimed_at, created_at in failed
        # (an email that failed before claims were recorded was tried when it was recorded)
        if (claimed_at or created_at) + timedelta(seconds=retry_countdown(attempts - 1))
        <= now - lost_after
    ]
    return send_again(
        OutboundEmail.objects.filter(
            Q(state=OutboundEmail.State.PENDING, created_at__lte=now - lost_after)
            | Q(pk__in=overdue)
            | Q(state=OutboundEmail.State.SENDING)
        )
    )
