"""The periodic task send_unsent_emails takes exactly the emails nothing else will send."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from procurement.accounts.emails import registration_attempt_email
from procurement.notifications.models import SEND_TIME_LIMIT_SECONDS, OutboundEmail
from procurement.notifications.tasks import send_unsent_emails
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db

State = OutboundEmail.State
MINUTE = 60


def email(state: str, *, recorded_ago: int, attempts: int = 0, tried_ago: int | None = None):
    """An email in `state`, recorded `recorded_ago` seconds ago and last tried `tried_ago`."""
    user = UserFactory()
    recorded = registration_attempt_email(user=user)
    recorded.state, recorded.attempts = state, attempts
    recorded.save()
    now = timezone.now()
    OutboundEmail.objects.filter(pk=recorded.pk).update(
        created_at=now - timedelta(seconds=recorded_ago),
        claimed_at=None if tried_ago is None else now - timedelta(seconds=tried_ago),
    )
    return user.email


@pytest.fixture
def outbox(settings):
    settings.EMAIL_LOST_AFTER_SECONDS = 5 * MINUTE
    mail.outbox.clear()
    return {
        "pending, its task lost": (email(State.PENDING, recorded_ago=6 * MINUTE), True),
        "pending, its task may be on its way": (email(State.PENDING, recorded_ago=MINUTE), False),
        "failed once, its retry 5 minutes overdue": (
            email(State.FAILED, recorded_ago=7 * MINUTE, attempts=1, tried_ago=6 * MINUTE),
            True,
        ),
        "failed once, its retry not long overdue": (
            email(State.FAILED, recorded_ago=7 * MINUTE, attempts=1, tried_ago=4 * MINUTE),
            False,
        ),
        "failed 10 times, its last retry due in 3 minutes": (
            email(State.FAILED, recorded_ago=60 * MINUTE, attempts=10, tried_ago=7 * MINUTE),
            False,
        ),
        "failed with its retries over 15 minutes ago": (
            email(State.FAILED, recorded_ago=60 * MINUTE, attempts=11, tried_ago=15 * MINUTE),
            True,
        ),
        "failed with its retries over 6 minutes ago": (
            email(State.FAILED, recorded_ago=60 * MINUTE, attempts=11, tried_ago=6 * MINUTE),
            False,
        ),
        "failed before claims were recorded": (
            email(State.FAILED, recorded_ago=60 * MINUTE, attempts=1),
            True,
        ),
        "held by a run killed at the time limit": (
            email(
                State.SENDING,
                recorded_ago=60 * MINUTE,
                attempts=1,
                tried_ago=SEND_TIME_LIMIT_SECONDS + 1,
            ),
            True,
        ),
        "held by a run still sending": (
            email(State.SENDING, recorded_ago=60 * MINUTE, attempts=1, tried_ago=MINUTE),
            False,
        ),
        "sent": (email(State.SENT, recorded_ago=60 * MINUTE, attempts=1), False),
        "dropped": (email(State.DROPPED, recorded_ago=60 * MINUTE, attempts=1), False),
    }


def test_the_periodic_task_sends_only_the_emails_nothing_else_will(outbox, commit_callbacks):
    with commit_callbacks():
        handed_over = send_unsent_emails()

    sent_to = {message.to[0] for message in mail.outbox}
    assert {name: address in sent_to for name, (address, _) in outbox.items()} == {
        name: expected for name, (_, expected) in outbox.items()
    }
    assert handed_over == len(mail.outbox) == 5

    with commit_callbacks():
        assert send_unsent_emails() == 0  # sent: nothing is taken twice
    assert len(mail.outbox) == 5
