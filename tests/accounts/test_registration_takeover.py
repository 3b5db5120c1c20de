"""Registering an address before its owner does gives the registrant nothing: the account
that confirmation activates holds exactly the data of the registration whose token came
back, whoever registered first, and a later registration never cancels an earlier one."""

import importlib
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from procurement.accounts.models import ApiToken, OneTimeToken, Registration, TokenPurpose, User

REGISTER = "/api/v1/user/register"
CONFIRM = "/api/v1/user/register/confirm"
LOGIN = "/api/v1/user/login"

VICTIM_EMAIL = "victim@example.com"
ATTACKER = {
    "first_name": "Mallory",
    "last_name": "Evil",
    "email": VICTIM_EMAIL,
    "password": "Attacker-Passw0rd-1",
    "company": "Evil Corp",
    "position": "boss",
    "type": "shop",
}
VICTIM = {
    "first_name": "Victoria",
    "last_name": "Owner",
    "email": VICTIM_EMAIL,
    "password": "Victim-Passw0rd-2",
    "company": "Retail",
    "position": "buyer",
}

pytestmark = pytest.mark.django_db


def token_from(message) -> str:
    return re.search(r"^\s*([A-Za-z0-9_-]{40,})\s*$", message.body, re.MULTILINE).group(1)


def register(api_client, commit_callbacks, data, **headers):
    with commit_callbacks():
        response = api_client.post(REGISTER, data, format="json", **headers)
    assert response.status_code == 201
    return token_from(mail.outbox[-1])


def confirm(api_client, token, email=VICTIM_EMAIL):
    return api_client.post(CONFIRM, {"email": email, "token": token}, format="json")


def login(api_client, password, email=VICTIM_EMAIL):
    return api_client.post(LOGIN, {"email": email, "password": password}, format="json")


def assert_account_is_the_victims(api_client):
    user = User.objects.get(email=VICTIM_EMAIL)
    assert user.is_active
    assert (user.first_name, user.last_name, user.company, user.position, user.type) == (
        "Victoria",
        "Owner",
        "Retail",
        "buyer",
        "buyer",
    )
    assert login(api_client, VICTIM["password"]).status_code == 200
    refused = login(api_client, ATTACKER["password"])
    assert refused.status_code == 401
    assert refused.json()["Status"] is False


def test_a_registration_before_the_owners_gives_the_registrant_nothing(
    api_client, commit_callbacks
):
    attacker_token = register(api_client, commit_callbacks, ATTACKER)
    victim_token = register(api_client, commit_callbacks, VICTIM)

    response = confirm(api_client, victim_token)

    assert response.status_code == 200
    assert_account_is_the_victims(api_client)
    assert confirm(api_client, attacker_token).status_code == 400
    assert_account_is_the_victims(api_client)


def test_a_registration_after_the_owners_cancels_nothing(api_client, commit_callbacks):
    victim_token = register(api_client, commit_callbacks, VICTIM)
    attacker_token = register(api_client, commit_callbacks, ATTACKER)

    assert confirm(api_client, victim_token).status_code == 200

    assert_account_is_the_victims(api_client)
    assert confirm(api_client, attacker_token).status_code == 400
    assert_account_is_the_victims(api_client)


def test_the_account_holds_the_data_of_the_registration_confirmed(api_client, commit_callbacks):
    """Whichever token comes back decides: here the first registration's."""
    first = register(api_client, commit_callbacks, VICTIM, HTTP_ACCEPT_LANGUAGE="ru")
    register(api_client, commit_callbacks, ATTACKER)

    assert confirm(api_client, first).status_code == 200

    user = User.objects.get()
    assert (user.first_name, user.type, user.language) == ("Victoria", "buyer", "ru")
    assert not Registration.objects.exists()


def test_only_the_newest_registrations_of_an_address_are_kept(
    api_client, commit_callbacks, settings
):
    settings.MAX_PENDING_REGISTRATIONS_PER_EMAIL = 3
    tokens = [
        register(api_client, commit_callbacks, {**VICTIM, "first_name": f"N{n}"}) for n in range(4)
    ]
    other_address = register(api_client, commit_callbacks, {**VICTIM, "email": "x@example.com"})

    assert Registration.objects.filter(email=VICTIM_EMAIL).count() == 3
    assert confirm(api_client, tokens[0]).status_code == 400  # the oldest was dropped
    assert not User.objects.exists()
    assert confirm(api_client, tokens[1]).status_code == 200
    assert User.objects.get(email=VICTIM_EMAIL).first_name == "N1"
    assert confirm(api_client, other_address, email="x@example.com").status_code == 200


def test_expired_registrations_of_the_address_are_deleted_on_the_next_one(
    api_client, commit_callbacks
):
    register(api_client, commit_callbacks, ATTACKER)
    Registration.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    token = register(api_client, commit_callbacks, VICTIM)
    (kept,) = Registration.objects.all()
    assert kept.first_name == "Victoria"
    assert confirm(api_client, token).status_code == 200


def unclaimed_user(**fields) -> User:
    """A user row as registration used to leave it, after the migration that secured it."""
    user = User.objects.create_user(
        email=VICTIM_EMAIL,
        password=None,
        first_name="Mallory",
        type="shop",
        is_active=False,
        **fields,
    )
    OneTimeToken.objects.create(
        user=user,
        purpose=TokenPurpose.CONFIRM_EMAIL,
        digest="0" * 64,
        expires_at=timezone.now() + timedelta(hours=1),
    )
    return user


def test_confirmation_takes_over_an_unclaimed_user_row(api_client, commit_callbacks):
    legacy = unclaimed_user(is_staff=True)
    token = register(api_client, commit_callbacks, VICTIM)
    assert mail.outbox[-1].subject == "Confirm your email address"

    assert confirm(api_client, token).status_code == 200

    user = User.objects.get()
    assert user.pk == legacy.pk
    assert not user.is_staff
    assert not OneTimeToken.objects.exists()
    assert_account_is_the_victims(api_client)


def test_a_deactivated_account_is_never_taken_over(api_client, commit_callbacks):
    owner = User.objects.create_user(
        email=VICTIM_EMAIL, password="Owner-Passw0rd-3", first_name="Olga", is_active=False
    )
    User.objects.filter(pk=owner.pk).update(last_login=timezone.now())

    with commit_callbacks():
        response = api_client.post(REGISTER, ATTACKER, format="json")

    assert response.status_code == 201
    assert not Registration.objects.exists()
    assert mail.outbox[-1].subject == "Someone tried to register with your email address"
    owner.refresh_from_db()
    assert (owner.first_name, owner.is_active, owner.type) == ("Olga", False, "buyer")
    assert owner.check_password("Owner-Passw0rd-3")


def test_a_registration_left_pending_after_the_account_exists_is_void(api_client, commit_callbacks):
    """A registration recorded while another one of the address was being confirmed."""
    token = register(api_client, commit_callbacks, ATTACKER)
    victim = User.objects.create_user(
        email=VICTIM_EMAIL, password=VICTIM["password"], first_name="Victoria", is_active=True
    )
    ApiToken.objects.create(user=victim, digest="1" * 64)

    response = confirm(api_client, token)

    assert response.status_code == 400
    assert "token" in response.json()["Errors"]
    assert not Registration.objects.exists()
    victim.refresh_from_db()
    assert (victim.first_name, victim.type) == ("Victoria", "buyer")
    assert victim.check_password(VICTIM["password"])
    assert ApiToken.objects.filter(user=victim).exists()


# One mailbox, three spellings: composed, decomposed (a combining diaeresis), and the
# domain in IDNA, which is where mail to any of them is delivered.
SPELLINGS = ["anna@exämple.com", "anna@exa\u0308mple.com", "ANNA@XN--EXMPLE-CUA.COM"]


def test_one_mailbox_is_one_account_however_its_address_is_spelled(api_client, commit_callbacks):
    owner = {**VICTIM, "email": SPELLINGS[0]}
    assert (
        confirm(api_client, register(api_client, commit_callbacks, owner), SPELLINGS[0]).status_code
        == 200
    )
    for spelling in SPELLINGS[1:]:
        with commit_callbacks():
            response = api_client.post(REGISTER, {**ATTACKER, "email": spelling}, format="json")
        assert response.status_code == 201
        assert "anna@xn--exmple-cua.com" in mail.outbox[-1].to
        assert not re.search(r"^\s*[A-Za-z0-9_-]{40,}\s*$", mail.outbox[-1].body, re.MULTILINE)
    assert list(User.objects.values_list("email", "first_name")) == [
        ("anna@xn--exmple-cua.com", "Victoria")
    ]
    for spelling in SPELLINGS:
        assert login(api_client, VICTIM["password"], spelling).status_code == 200
        assert login(api_client, ATTACKER["password"], spelling).status_code == 401


def test_addresses_kept_before_take_their_one_form_unless_another_account_has_it():
    from django.apps import apps

    migration = importlib.import_module("procurement.accounts.migrations.0005_one_form_per_mailbox")
    first = User.objects.create_user(email="a@example.com", password=None)
    second = User.objects.create_user(email="b@example.com", password=None)
    third = User.objects.create_user(email="c@example.com", password=None)
    User.objects.filter(pk=first.pk).update(email="anna@exämple.com")
    User.objects.filter(pk=second.pk).update(email="anna@exa\u0308mple.com")
    User.objects.filter(pk=third.pk).update(email="Boris@Пример.рф")
    migration.forward(apps, None)
    assert dict(User.objects.values_list("pk", "email")) == {
        first.pk: "anna@xn--exmple-cua.com",
        second.pk: "anna@exa\u0308mple.com",  # the mailbox's form is the first account's
        third.pk: "boris@xn--e1afmkfd.xn--p1ai",
    }
