from datetime import UTC, datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The send_email task's hard time limit: a run that holds an email longer was killed, so
# the email may be claimed by another run (it may have gone out: see `message_id`).
SEND_TIME_LIMIT_SECONDS = 300


class OutboundEmailQuerySet(models.QuerySet):
    def claimable(self, *, now: datetime | None = None) -> "OutboundEmailQuerySet":
        """The emails a run may take to send: pending, failed, or held by a run that died."""
        now = now or timezone.now()
        return self.filter(
            Q(state__in=[OutboundEmail.State.PENDING, OutboundEmail.State.FAILED])
            | Q(
                state=OutboundEmail.State.SENDING,
                claimed_at__lt=now - timedelta(seconds=SEND_TIME_LIMIT_SECONDS),
            )
        )


class OutboundEmail(models.Model):
    """An email recorded in the transaction of the change it reports; written and sent after commit.

    `params` holds what the email is written from (ids and values as they were at the
    change); subject and bodies are filled when it is written. A run of send_email claims
    the email (`sending`, with `claim` and `claimed_at`) before it talks to the SMTP server,
    so two runs never both send it.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        DROPPED = "dropped", _("dropped")  # cannot be written: never sent, never retried

    event = models.CharField(_("event"), max_length=50)
    to = models.EmailField(_("to"))
    language = models.CharField(_("language"), max_length=10)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body_text = models.TextField(_("text"), blank=True)
    body_html = models.TextField(_("HTML"), blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    claim = models.UUIDField(_("claimed by run"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = OutboundEmailQuerySet.as_manager()

    class Meta:
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound emails")
        ordering = ["-id"]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.to}"

    @property
    def message_id(self) -> str:
        """The same on every attempt: a copy delivered twice is recognisable as one email."""
        domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
        created = self.created_at.astimezone(UTC)
        return f"<{created:%Y%m%d%H%M%S.%f}.{self.pk}@{domain}>"
