"""send_email over a real SMTP server: the emails of one change share a task, a session and
the reading of their order, and one refused email neither stops nor resends the others."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procurement.accounts.emails import registration_attempt_email
from procurement.notifications.emails import queue
from procurement.notifications.models import OutboundEmail
from procurement.notifications.tasks import send_email
from procurement.orders.services import order_set_state
from tests.support.factories import ContactFactory, OfferFactory, UserFactory
from tests.support.orders import place

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_shop_order(buyer):
    """Placing it records 4 emails: buyer, admin invoice, one invoice per shop."""
    first, second = OfferFactory(quantity=5), OfferFactory(quantity=5)
    return lambda: place(buyer, ContactFactory(user=buyer), (first, 1), (second, 1))


def test_the_emails_of_an_order_go_out_in_one_task_over_one_smtp_session(
    smtp_server, two_shop_order, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        two_shop_order()
    assert len(callbacks) == 1  # one task for the four emails
    messages = smtp_server.wait_for(4)
    assert len(messages) == 4
    assert len(set(smtp_server.sessions)) == 1
    assert set(OutboundEmail.objects.values_list("state", "attempts")) == {("sent", 1)}


def test_the_emails_of_an_order_read_it_once(smtp_server, two_shop_order):
    two_shop_order()  # the test's transaction never commits: send_email is not started
    ids = list(OutboundEmail.objects.values_list("pk", flat=True))

    with CaptureQueriesContext(connection) as context:
        send_email(*ids)

    assert len(smtp_server.wait_for(4)) == 4
    # the claim and the emails it took; the order with its buyer; its lines; each shop;
    # the written texts; one update per email sent
    assert len(context.captured_queries) == 2 + 1 + 1 + 2 + 1 + 4


def test_a_state_change_email_reads_only_its_order(smtp_server, two_shop_order):
    order = two_shop_order()
    order_set_state(order_id=order.pk, state="confirmed", actor=None)
    email = OutboundEmail.objects.get(event="order_state_changed")

    with CaptureQueriesContext(connection) as context:
        send_email(email.pk)

    assert "confirmed" in smtp_server.wait_for(1)[0]["Subject"].lower()
    # the claim and the email; the order with its buyer; the written text; the update
    assert len(context.captured_queries) == 2 + 1 + 1 + 1


def test_a_refused_recipient_fails_alone_and_is_sent_later(
    smtp_server, buyer, two_shop_order, django_capture_on_commit_callbacks
):
    smtp_server.refused = {buyer.email}
    with django_capture_on_commit_callbacks(execute=True):
        order = two_shop_order()
    assert order.state == "new"
    assert len(smtp_server.wait_for(3)) == 3
    refused = OutboundEmail.objects.get(to=buyer.email)
    assert (refused.state, refused.attempts) == ("failed", 1)
    assert "550" in refused.last_error
    assert str(order.pk) in refused.subject  # written once, kept for the next attempt
    assert OutboundEmail.objects.filter(state="sent").count() == 3

    smtp_server.refused = set()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_unsent_emails", "--older-than", "0", stdout=StringIO())
    messages = smtp_server.wait_for(4)
    assert len(messages) == 4  # the three sent before are not sent again
    assert messages[-1]["To"] == buyer.email
    refused.refresh_from_db()
    assert (refused.state, refused.attempts, refused.last_error) == ("sent", 2, "")


def test_an_email_whose_user_was_deleted_is_dropped_alone(smtp_server):
    gone, kept = UserFactory(), UserFactory()
    emails = queue(
        registration_attempt_email(user=gone),
        registration_attempt_email(user=kept),
    )
    gone.delete()

    send_email(*[email.pk for email in emails])  # no retry: nothing is left to send

    assert [message["To"] for message in smtp_server.wait_for(1)] == [kept.email]
    unwritable = OutboundEmail.objects.get(to=gone.email)
    assert (unwritable.state, unwritable.attempts) == ("dropped", 1)
    assert "does not exist" in unwritable.last_error
    assert OutboundEmail.objects.get(to=kept.email).state == "sent"
