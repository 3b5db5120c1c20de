"""Emails left unsent (a lost task, retries run out) can be sent again: cron command and admin."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from procurement.notifications.models import OutboundEmail
from procurement.orders.emails import order_invoice_for_admin_email
from tests.support.orders import placed_orders

pytestmark = pytest.mark.django_db

State = OutboundEmail.State


def recorded(order, *, state: str, minutes_ago: int) -> OutboundEmail:
    email = order_invoice_for_admin_email(order=order)
    email.state = state
    email.save()
    OutboundEmail.objects.filter(pk=email.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return email


@pytest.fixture
def emails():
    (order,) = placed_orders(1)
    OutboundEmail.objects.all().delete()
    mail.outbox.clear()
    return {
        "old pending": recorded(order, state=State.PENDING, minutes_ago=90),
        "old failed": recorded(order, state=State.FAILED, minutes_ago=90),
        "recent pending": recorded(order, state=State.PENDING, minutes_ago=5),
        "old sent": recorded(order, state=State.SENT, minutes_ago=90),
    }


def states(emails) -> dict[str, str]:
    return {name: OutboundEmail.objects.get(pk=email.pk).state for name, email in emails.items()}


def test_the_command_sends_what_is_still_unsent_after_the_retries(emails, commit_callbacks):
    out = StringIO()
    with commit_callbacks():
        call_command("send_unsent_emails", stdout=out)
    assert "2 email(s)" in out.getvalue()
    assert len(mail.outbox) == 2
    assert all("invoice" in message.subject.lower() for message in mail.outbox)
    assert states(emails) == {
        "old pending": State.SENT,
        "old failed": State.SENT,
        "recent pending": State.PENDING,  # its task may still be on the way
        "old sent": State.SENT,
    }


def test_the_command_takes_the_age_from_its_option(emails, commit_callbacks):
    with commit_callbacks():
        call_command("send_unsent_emails", "--older-than", "1", stdout=StringIO())
    assert len(mail.outbox) == 3
    assert set(states(emails).values()) == {State.SENT}


def test_the_admin_action_sends_the_selected_unsent_emails_only(
    emails, staff_client, commit_callbacks
):
    selected = [emails["old failed"].pk, emails["old sent"].pk]
    with commit_callbacks():
        response = staff_client.post(
            "/admin/notifications/outboundemail/",
            {"action": "send_selected_again", "_selected_action": selected},
            follow=True,
        )
    assert response.status_code == 200
    assert "1 email handed over for sending." in response.content.decode()
    assert len(mail.outbox) == 1
    assert states(emails)["old failed"] == State.SENT
    assert states(emails)["old pending"] == State.PENDING
