"""Registration and password reset tell nobody whether an address has an account: the same
answer and the same work in the request; only the owner of the address learns, by email."""

import re

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procurement.accounts.models import OneTimeToken, Registration, User
from procurement.notifications.models import OutboundEmail
from tests.support.factories import DEFAULT_PASSWORD, UserFactory

REGISTER = "/api/v1/user/register"
RESET = "/api/v1/user/password_reset"
RESET_CONFIRM = "/api/v1/user/password_reset/confirm"
LOGIN = "/api/v1/user/login"

KNOWN = "known@example.com"
UNKNOWN = "unknown@example.com"
REGISTRATION = {
    "first_name": "Eve",
    "last_name": "Prober",
    "password": "Probing-Passw0rd-5",
    "type": "shop",
}

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(db):
    return UserFactory(email=KNOWN, first_name="Olga", language="ru")


def token_from(message) -> str:
    return re.search(r"^\s*([A-Za-z0-9_-]{40,})\s*$", message.body, re.MULTILINE).group(1)


class CountingHasher(MD5PasswordHasher):
    """A real (fast) hasher that counts the passwords it hashes."""

    algorithm = "counting_md5"
    hashed: list[str] = []

    def encode(self, password, salt):
        CountingHasher.hashed.append(password)
        return super().encode(password, salt)


def test_register_answers_the_same_for_known_and_unknown_addresses(
    api_client, commit_callbacks, owner
):
    with commit_callbacks():
        known = api_client.post(REGISTER, {**REGISTRATION, "email": KNOWN}, format="json")
        unknown = api_client.post(REGISTER, {**REGISTRATION, "email": UNKNOWN}, format="json")

    assert known.status_code == unknown.status_code == 201
    assert known.json() == unknown.json() == {"Status": True}
    # the known address: nothing changed, its owner is told by email
    assert not Registration.objects.filter(email=KNOWN).exists()
    fresh = User.objects.get(email=KNOWN)
    assert (fresh.first_name, fresh.type, fresh.password) == ("Olga", "buyer", owner.password)
    assert Registration.objects.filter(email=UNKNOWN).count() == 1
    assert [message.to for message in mail.outbox] == [[KNOWN], [UNKNOWN]]


def test_the_owner_is_told_in_their_language_without_any_secret(
    api_client, commit_callbacks, owner
):
    with commit_callbacks():
        api_client.post(REGISTER, {**REGISTRATION, "email": KNOWN}, format="json")

    (message,) = mail.outbox
    assert message.subject == "Кто-то пытался зарегистрироваться с вашим адресом email"
    assert "Здравствуйте, Olga!" in message.body
    assert REGISTRATION["password"] not in message.body
    assert not re.search(r"[A-Za-z0-9_-]{40,}", message.body + message.alternatives[0][0])
    email = OutboundEmail.objects.get()
    assert (email.event, email.state) == ("registration_attempt", "sent")
    assert not OneTimeToken.objects.exists()


def test_register_hashes_the_password_for_known_and_unknown_addresses(
    api_client, commit_callbacks, owner, settings
):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.hashed = []
    api_client.post(REGISTER, {**REGISTRATION, "email": KNOWN}, format="json")
    api_client.post(REGISTER, {**REGISTRATION, "email": UNKNOWN}, format="json")
    assert CountingHasher.hashed == [REGISTRATION["password"]] * 2


@pytest.mark.parametrize("password", ["123", "password", "eve.prober"])
def test_register_refuses_a_weak_password_alike_for_known_and_unknown(
    api_client, commit_callbacks, owner, password
):
    with commit_callbacks():
        known = api_client.post(
            REGISTER, {**REGISTRATION, "email": KNOWN, "password": password}, format="json"
        )
        unknown = api_client.post(
            REGISTER, {**REGISTRATION, "email": UNKNOWN, "password": password}, format="json"
        )
    assert known.status_code == unknown.status_code == 400
    assert known.json() == unknown.json()
    assert "password" in known.json()["Errors"]
    assert not Registration.objects.exists()
    assert mail.outbox == []
    assert User.objects.get().password == owner.password


def reset(api_client, email):
    return api_client.post(RESET, {"email": email}, format="json")


def shape_of(sql: str) -> str:
    """A statement without its values (the address, the time) and savepoint names."""
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    return re.sub(r'"s\d+_x\d+"', "savepoint", sql)


def written_by(api_client, email) -> tuple[list[str], list[tuple]]:
    """The statements a reset request runs (its after-commit work not started) and the
    rows it leaves, with the address taken out."""
    OutboundEmail.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        response = reset(api_client, email)
    assert response.status_code == 200
    statements = [shape_of(query["sql"]) for query in queries.captured_queries]
    rows = [
        (row.event, row.to.replace(email, "ADDRESS"), row.language, row.state, list(row.params))
        for row in OutboundEmail.objects.all()
    ]
    return statements, rows


def test_reset_writes_the_same_rows_for_known_and_unknown_addresses(api_client, owner, settings):
    known = written_by(api_client, KNOWN)
    unknown = written_by(api_client, UNKNOWN)

    assert known == unknown
    statements, rows = known
    assert rows == [("password_reset", "ADDRESS", settings.LANGUAGE_CODE, "pending", ["email"])]
    assert not any("accounts_user" in statement for statement in statements)
    assert not OneTimeToken.objects.exists()  # issued only when the email is written


def test_reset_answers_the_same_and_only_the_known_address_gets_a_working_token(
    api_client, commit_callbacks, owner
):
    with commit_callbacks():
        known = reset(api_client, KNOWN)
    with commit_callbacks():
        unknown = reset(api_client, UNKNOWN)

    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json() == {"Status": True}
    (message,) = mail.outbox
    assert message.to == [KNOWN]
    assert message.subject == "Сброс пароля"  # the owner's language, not the request's
    assert OneTimeToken.objects.filter(user__email=UNKNOWN).count() == 0
    unsent = OutboundEmail.objects.get(to=UNKNOWN)
    assert unsent.state != OutboundEmail.State.SENT
    assert unsent.sent_at is None

    new_password = "Fresh-Passw0rd-2026"
    confirmed = api_client.post(
        RESET_CONFIRM, {"token": token_from(message), "password": new_password}, format="json"
    )
    assert confirmed.status_code == 200
    login = api_client.post(LOGIN, {"email": KNOWN, "password": new_password}, format="json")
    assert login.status_code == 200
    old = api_client.post(LOGIN, {"email": KNOWN, "password": DEFAULT_PASSWORD}, format="json")
    assert old.status_code == 401


def test_reset_of_an_address_with_only_a_pending_registration_sends_nothing(
    api_client, commit_callbacks
):
    with commit_callbacks():
        api_client.post(REGISTER, {**REGISTRATION, "email": UNKNOWN}, format="json")
    with commit_callbacks():
        assert reset(api_client, UNKNOWN).status_code == 200
    assert [message.subject for message in mail.outbox] == ["Confirm your email address"]
    assert not OneTimeToken.objects.exists()
