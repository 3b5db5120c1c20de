"""The data migration for what earlier versions left: user rows made at registration, and
API keys kept in plain text in rest_framework.authtoken's table."""

import importlib
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core import mail
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from procurement.accounts.models import ApiToken, OneTimeToken, TokenPurpose, User, digest_of
from tests.support.factories import DEFAULT_PASSWORD, UserFactory

migration = importlib.import_module(
    "procurement.accounts.migrations.0003_secure_legacy_accounts_and_tokens"
)

pytestmark = pytest.mark.django_db

# What the migration's functions use of their schema editor (SQLite cannot open a real one
# inside the test's transaction).
EDITOR = SimpleNamespace(connection=connection)

ATTACKER_PASSWORD = "Attacker-Passw0rd-1"
VICTIM_PASSWORD = "Victim-Passw0rd-2"


def test_unconfirmed_users_lose_their_password_and_tokens_and_can_be_claimed(
    api_client, commit_callbacks
):
    # as the earlier registration left an address an attacker registered first
    squatted = User.objects.create_user(
        email="victim@example.com", password=ATTACKER_PASSWORD, type="shop", is_active=False
    )
    OneTimeToken.objects.create(
        user=squatted,
        purpose=TokenPurpose.CONFIRM_EMAIL,
        digest=digest_of("old-confirmation-token"),
        expires_at=timezone.now() + timedelta(hours=1),
    )
    active = UserFactory()
    deactivated = UserFactory(is_active=False, last_login=timezone.now())

    migration.secure_unconfirmed_users(apps, EDITOR)

    squatted.refresh_from_db()
    assert not squatted.has_usable_password()
    assert not OneTimeToken.objects.exists()
    for kept in [active, deactivated]:
        assert User.objects.get(pk=kept.pk).check_password(DEFAULT_PASSWORD)

    old_confirm = api_client.post(
        "/api/v1/user/register/confirm",
        {"email": "victim@example.com", "token": "old-confirmation-token"},
        format="json",
    )
    assert old_confirm.status_code == 400
    with commit_callbacks():
        api_client.post(
            "/api/v1/user/register",
            {
                "email": "victim@example.com",
                "password": VICTIM_PASSWORD,
                "first_name": "Victoria",
                "last_name": "Owner",
            },
            format="json",
        )
    token = re.search(r"^([A-Za-z0-9_-]{40,})$", mail.outbox[-1].body, re.MULTILINE).group(1)
    confirmed = api_client.post(
        "/api/v1/user/register/confirm",
        {"email": "victim@example.com", "token": token},
        format="json",
    )
    assert confirmed.status_code == 200
    user = User.objects.get(email="victim@example.com")
    assert (user.pk, user.type, user.first_name, user.is_active) == (
        squatted.pk,
        "buyer",
        "Victoria",
        True,
    )
    login = "/api/v1/user/login"
    credentials = {"email": "victim@example.com", "password": ATTACKER_PASSWORD}
    assert api_client.post(login, credentials, format="json").status_code == 401
    credentials["password"] = VICTIM_PASSWORD
    assert api_client.post(login, credentials, format="json").status_code == 200


@pytest.fixture
def drf_token_table():
    """rest_framework.authtoken's table as it was, inside the test's transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token ("
            " key varchar(40) NOT NULL PRIMARY KEY,"
            " created timestamp with time zone NOT NULL,"
            " user_id bigint NOT NULL UNIQUE)"
            if connection.vendor == "postgresql"
            else "CREATE TABLE authtoken_token ("
            " key varchar(40) NOT NULL PRIMARY KEY,"
            " created datetime NOT NULL,"
            " user_id bigint NOT NULL UNIQUE)"
        )


@pytest.mark.usefixtures("drf_token_table")
def test_drf_tokens_are_carried_over_as_digests_and_keep_working():
    buyer, supplier = UserFactory(), UserFactory(type="shop")
    created = timezone.now() - timedelta(days=30)
    keys = {buyer.pk: "a" * 40, supplier.pk: "0123456789abcdef0123456789abcdef01234567"}
    with connection.cursor() as cursor:
        for user_id, key in keys.items():
            cursor.execute(
                "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
                [key, created, user_id],
            )

    migration.carry_over_drf_tokens(apps, EDITOR)

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone() == (0,)  # no key left in plain text
    carried = {token.user_id: token for token in ApiToken.objects.all()}
    assert {user_id: token.digest for user_id, token in carried.items()} == {
        user_id: digest_of(key) for user_id, key in keys.items()
    }
    assert all(abs(token.created_at - created) < timedelta(seconds=1) for token in carried.values())
    for user, key in [(buyer, keys[buyer.pk]), (supplier, keys[supplier.pk])]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert client.get("/api/v1/user/details").json()["email"] == user.email


def test_without_drf_tokens_table_nothing_is_carried(db):
    assert "authtoken_token" not in connection.introspection.table_names()
    migration.carry_over_drf_tokens(apps, EDITOR)
    assert not ApiToken.objects.exists()
