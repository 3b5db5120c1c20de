import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from procurement.accounts.models import ApiToken, OneTimeToken
from procurement.notifications.models import OutboundEmail
from tests.support.factories import DEFAULT_PASSWORD, UserFactory

RESET = "/api/v1/user/password_reset"
RESET_CONFIRM = "/api/v1/user/password_reset/confirm"
LOGIN = "/api/v1/user/login"
NEW_PASSWORD = "Fresh-Passw0rd-2026"

pytestmark = pytest.mark.django_db


def request_reset(api_client, commit_callbacks, email):
    with commit_callbacks():
        return api_client.post(RESET, {"email": email}, format="json")


def token_from(message) -> str:
    return re.search(r"^\s*([A-Za-z0-9_-]{40,})\s*$", message.body, re.MULTILINE).group(1)


def login(api_client, email, password):
    return api_client.post(LOGIN, {"email": email, "password": password}, format="json")


def test_reset_request_is_200_for_known_and_unknown_emails(api_client, commit_callbacks, buyer):
    known = request_reset(api_client, commit_callbacks, buyer.email)
    unknown = request_reset(api_client, commit_callbacks, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json() == {"Status": True}
    assert [message.to for message in mail.outbox] == [[buyer.email]]


def test_reset_request_sends_nothing_to_an_unconfirmed_account(api_client, commit_callbacks):
    user = UserFactory(is_active=False)
    assert request_reset(api_client, commit_callbacks, user.email).status_code == 200
    assert mail.outbox == []


def test_reset_request_refuses_invalid_email(api_client, commit_callbacks):
    response = request_reset(api_client, commit_callbacks, "not-an-email")
    assert response.status_code == 400
    assert "email" in response.json()["Errors"]
    assert not OutboundEmail.objects.exists()


def test_reset_confirm_sets_password_kills_token_old_password_and_api_tokens(
    api_client, commit_callbacks, buyer
):
    old_api_token = login(api_client, buyer.email, DEFAULT_PASSWORD).json()["Token"]
    other_login = login(api_client, buyer.email, DEFAULT_PASSWORD).json()["Token"]
    request_reset(api_client, commit_callbacks, buyer.email)
    token = token_from(mail.outbox[0])

    response = api_client.post(
        RESET_CONFIRM, {"token": token, "password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"Status": True}
    assert not ApiToken.objects.filter(user=buyer).exists()
    for key in [old_api_token, other_login]:
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert api_client.get("/api/v1/user/details").status_code == 401
    api_client.credentials()
    assert login(api_client, buyer.email, DEFAULT_PASSWORD).status_code == 401
    assert login(api_client, buyer.email, NEW_PASSWORD).status_code == 200

    reused = api_client.post(
        RESET_CONFIRM, {"token": token, "password": "Another-Passw0rd-1"}, format="json"
    )
    assert reused.status_code == 400
    assert login(api_client, buyer.email, NEW_PASSWORD).status_code == 200


def test_reset_confirm_refuses_weak_password_and_keeps_token(api_client, commit_callbacks, buyer):
    request_reset(api_client, commit_callbacks, buyer.email)
    token = token_from(mail.outbox[0])
    response = api_client.post(RESET_CONFIRM, {"token": token, "password": "123"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()["Errors"]
    buyer.refresh_from_db()
    assert buyer.check_password(DEFAULT_PASSWORD)
    assert OneTimeToken.objects.filter(user=buyer).exists()


@pytest.mark.parametrize("payload", [{"token": "wrong", "password": NEW_PASSWORD}, {"token": "x"}])
def test_reset_confirm_refuses_wrong_token_or_missing_password(api_client, buyer, payload):
    response = api_client.post(RESET_CONFIRM, payload, format="json")
    assert response.status_code == 400
    buyer.refresh_from_db()
    assert buyer.check_password(DEFAULT_PASSWORD)


def test_reset_confirm_refuses_expired_token(api_client, commit_callbacks, buyer):
    request_reset(api_client, commit_callbacks, buyer.email)
    token = token_from(mail.outbox[0])
    OneTimeToken.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = api_client.post(
        RESET_CONFIRM, {"token": token, "password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 400
    buyer.refresh_from_db()
    assert buyer.check_password(DEFAULT_PASSWORD)


def test_a_confirmation_token_is_no_reset_token(api_client, commit_callbacks):
    with commit_callbacks():
        api_client.post(
            "/api/v1/user/register",
            {
                "first_name": "A",
                "last_name": "B",
                "email": "a@example.com",
                "password": NEW_PASSWORD,
            },
            format="json",
        )
    token = token_from(mail.outbox[0])
    response = api_client.post(
        RESET_CONFIRM, {"token": token, "password": "Other-Passw0rd-3"}, format="json"
    )
    assert response.status_code == 400


def test_a_second_reset_request_replaces_the_first_token(api_client, commit_callbacks, buyer):
    request_reset(api_client, commit_callbacks, buyer.email)
    request_reset(api_client, commit_callbacks, buyer.email)
    first, second = token_from(mail.outbox[0]), token_from(mail.outbox[1])
    refused = api_client.post(
        RESET_CONFIRM, {"token": first, "password": NEW_PASSWORD}, format="json"
    )
    assert refused.status_code == 400
    accepted = api_client.post(
        RESET_CONFIRM, {"token": second, "password": NEW_PASSWORD}, format="json"
    )
    assert accepted.status_code == 200


def test_a_password_change_kills_a_pending_reset_link(api_client, commit_callbacks, buyer):
    request_reset(api_client, commit_callbacks, buyer.email)
    token = token_from(mail.outbox[0])
    key = login(api_client, buyer.email, DEFAULT_PASSWORD).json()["Token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    changed = api_client.patch("/api/v1/user/details", {"password": NEW_PASSWORD}, format="json")
    assert changed.status_code == 200
    api_client.credentials()

    response = api_client.post(
        RESET_CONFIRM, {"token": token, "password": "Another-Passw0rd-1"}, format="json"
    )
    assert response.status_code == 400
    assert login(api_client, buyer.email, NEW_PASSWORD).status_code == 200
    assert login(api_client, buyer.email, "Another-Passw0rd-1").status_code == 401
