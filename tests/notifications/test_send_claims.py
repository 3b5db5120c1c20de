"""send_email claims its emails before the SMTP server sees them: two runs never both send
one, a database error after the SMTP server took an email never sends it again, an email
that cannot be written is dropped, and every copy carries the email's own Message-ID."""

import sqlite3
import threading
from datetime import UTC, timedelta
from io import StringIO

import psycopg
import pytest
from celery.signals import task_retry
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from procurement.accounts.emails import password_reset_email, registration_attempt_email
from procurement.notifications.emails import unsent_emails_send
from procurement.notifications.models import SEND_TIME_LIMIT_SECONDS, OutboundEmail
from procurement.notifications.tasks import send_email
from tests.support.celery_worker import database_url_of_test_database
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

State = OutboundEmail.State


def recorded(count: int) -> list[OutboundEmail]:
    """Emails that carry a secret (a reset token, issued when written), recorded, their task
    not started (as when the broker was down)."""
    return OutboundEmail.objects.bulk_create(
        password_reset_email(email=UserFactory().email) for _ in range(count)
    )


def ids_of(emails) -> list[int]:
    return [email.pk for email in emails]


def test_every_copy_carries_the_emails_own_message_id(smtp_server, settings):
    settings.DEFAULT_FROM_EMAIL = "Procurement <noreply@procurement.example>"
    (email,) = recorded(1)
    created = email.created_at.astimezone(UTC)
    expected = f"<{created:%Y%m%d%H%M%S.%f}.{email.pk}@procurement.example>"
    assert email.message_id == expected

    smtp_server.stop()
    with pytest.raises(Exception, match="Connection refused"):
        send_email(email.pk)
    assert OutboundEmail.objects.get(pk=email.pk).state == State.FAILED
    smtp_server.start()
    send_email(email.pk)

    (message,) = smtp_server.wait_for(1)
    assert message["Message-ID"] == expected


def test_an_email_another_run_holds_is_left_to_it_until_the_time_limit(smtp_server):
    (email,) = recorded(1)
    other_run = "0f0e0d0c-0b0a-0908-0706-050403020100"
    OutboundEmail.objects.filter(pk=email.pk).update(
        state=State.SENDING, claim=other_run, claimed_at=timezone.now(), attempts=1
    )

    send_email(email.pk)

    held = OutboundEmail.objects.get(pk=email.pk)
    assert (held.state, str(held.claim), held.attempts) == (State.SENDING, other_run, 1)
    assert smtp_server.messages == []
    assert unsent_emails_send() == 0

    # That run was killed: past the task's time limit the email is taken again.
    OutboundEmail.objects.filter(pk=email.pk).update(
        claimed_at=timezone.now() - timedelta(seconds=SEND_TIME_LIMIT_SECONDS + 1)
    )
    send_email(email.pk)

    assert len(smtp_server.wait_for(1)) == 1
    sent = OutboundEmail.objects.get(pk=email.pk)
    assert (sent.state, sent.attempts) == (State.SENT, 2)


def test_runs_racing_for_the_same_emails_send_each_once(smtp_server):
    emails = recorded(4)
    start = threading.Barrier(4)
    errors = []

    def run():
        try:
            start.wait(timeout=10)
            send_email(*ids_of(emails))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(smtp_server.wait_for(4)) == 4
    assert sorted(smtp_server.message_ids()) == sorted(email.message_id for email in emails)
    assert set(OutboundEmail.objects.values_list("state", "attempts")) == {(State.SENT, 1)}


class TableWriteLock:
    """Another connection that takes the outbound email table for writing, as a database
    restart takes it away: this connection's writes fail after a short wait."""

    def __init__(self):
        self.holder = None

    def take(self) -> None:
        if connection.vendor == "sqlite":
            self.holder = sqlite3.connect(
                connection.settings_dict["NAME"], isolation_level=None, check_same_thread=False
            )
            self.holder.execute("BEGIN IMMEDIATE")
        else:
            self.holder = psycopg.connect(database_url_of_test_database())
            self.holder.execute("LOCK TABLE notifications_outboundemail IN EXCLUSIVE MODE")

    def release(self) -> None:
        if self.holder is not None:
            self.holder.rollback()
            self.holder.close()
            self.holder = None


@pytest.fixture
def short_lock_wait():
    """This connection gives up on a lock after 0.3 s instead of waiting."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA busy_timeout = 300")
        else:
            cursor.execute("SET lock_timeout = '300ms'")
    yield
    connection.close()  # the next test opens a connection with the usual settings


def test_a_database_error_after_the_smtp_server_took_an_email_never_sends_it_again(
    smtp_server, short_lock_wait
):
    first, second = recorded(2)
    lock = TableWriteLock()
    retries = []

    def database_away(message):
        # The first email reaches the server; before the task can record it, the table is gone.
        smtp_server.on_message = None
        lock.take()

    def database_back(**kwargs):
        retries.append(kwargs["reason"])
        lock.release()

    smtp_server.on_message = database_away
    task_retry.connect(database_back)
    try:
        result = send_email.apply(args=[first.pk, second.pk])
    finally:
        task_retry.disconnect(database_back)
        lock.release()

    assert result.successful(), result.traceback
    assert len(retries) == 1
    assert smtp_server.message_ids() == [first.message_id, second.message_id]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.attempts) == (State.SENT, 1)  # recorded by the retry, not sent
    assert (second.state, second.attempts) == (State.SENT, 2)  # taken back by the retry
    assert first.body_text == second.body_text == "(held a one-time token; not kept after sending)"


def test_an_email_that_cannot_be_written_is_dropped_and_stays_dropped(
    smtp_server, staff_client, commit_callbacks
):
    gone = UserFactory(email="gone@example.com")
    (email,) = OutboundEmail.objects.bulk_create([registration_attempt_email(user=gone)])
    gone.delete()

    result = send_email.apply(args=[email.pk])

    assert result.successful()  # not retried
    dropped = OutboundEmail.objects.get(pk=email.pk)
    assert (dropped.state, dropped.attempts) == (State.DROPPED, 1)
    assert dropped.last_error.startswith("Cannot be written: User matching query does not exist")

    OutboundEmail.objects.filter(pk=email.pk).update(created_at=timezone.now() - timedelta(days=1))
    with commit_callbacks():
        assert unsent_emails_send() == 0
        call_command("send_unsent_emails", "--older-than", "0", stdout=StringIO())
    assert OutboundEmail.objects.get(pk=email.pk).state == State.DROPPED
    assert smtp_server.messages == []

    page = staff_client.get("/admin/notifications/outboundemail/?state=dropped").content.decode()
    assert "gone@example.com" in page
    assert "Cannot be written" in page
