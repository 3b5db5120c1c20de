import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from procurement.accounts.models import Registration, User, digest_of
from procurement.notifications.models import OutboundEmail

REGISTER = "/api/v1/user/register"
CONFIRM = "/api/v1/user/register/confirm"
LOGIN = "/api/v1/user/login"

VALID = {
    "first_name": "Anna",
    "last_name": "Smirnova",
    "email": "anna@example.com",
    "password": "Sturdy-Passw0rd-42",
    "company": "Shop & Co",
    "position": "buyer",
}

pytestmark = pytest.mark.django_db


def token_from(message) -> str:
    return re.search(r"^\s*([A-Za-z0-9_-]{40,})\s*$", message.body, re.MULTILINE).group(1)


def register(api_client, commit_callbacks, **overrides):
    with commit_callbacks():
        return api_client.post(REGISTER, {**VALID, **overrides}, format="json")


def confirm(api_client, token, email="anna@example.com"):
    return api_client.post(CONFIRM, {"email": email, "token": token}, format="json")


def test_register_records_a_registration_and_emails_its_token(api_client, commit_callbacks):
    response = register(api_client, commit_callbacks)

    assert response.status_code == 201
    assert response.json() == {"Status": True}
    assert not User.objects.exists()  # no account before the address is confirmed
    registration = Registration.objects.get(email="anna@example.com")
    assert registration.type == "buyer"
    assert registration.company == "Shop & Co"
    assert registration.password != VALID["password"]
    assert User(password=registration.password).check_password(VALID["password"])
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["anna@example.com"]
    assert "Shop &amp; Co" not in mail.outbox[0].body
    token = token_from(mail.outbox[0])
    assert registration.digest == digest_of(token)
    assert OutboundEmail.objects.get().state == OutboundEmail.State.SENT


def test_register_as_supplier(api_client, commit_callbacks):
    assert register(api_client, commit_callbacks, type="shop").status_code == 201
    confirm(api_client, token_from(mail.outbox[0]))
    assert User.objects.get(email="anna@example.com").type == "shop"


def test_the_token_is_kept_nowhere_once_the_email_is_sent(api_client, commit_callbacks):
    register(api_client, commit_callbacks)
    token = token_from(mail.outbox[0])
    assert not Registration.objects.filter(digest=token).exists()
    email = OutboundEmail.objects.get()
    assert email.state == OutboundEmail.State.SENT
    assert token not in email.body_text + email.body_html + str(email.params)


@pytest.mark.parametrize("missing", ["first_name", "last_name", "email", "password"])
def test_register_refuses_missing_field(api_client, commit_callbacks, missing):
    data = {key: value for key, value in VALID.items() if key != missing}
    with commit_callbacks():
        response = api_client.post(REGISTER, data, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["Status"] is False
    assert missing in body["Errors"]
    assert not User.objects.exists()
    assert not Registration.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("password", "123"),
        ("password", "password"),
        ("password", "anna.smirnova"),
        ("type", "admin"),
        ("first_name", "x" * 151),
    ],
)
def test_register_refuses_bad_values(api_client, commit_callbacks, field, value):
    response = register(api_client, commit_callbacks, **{field: value})
    assert response.status_code == 400
    assert field in response.json()["Errors"]
    assert not User.objects.exists()
    assert not Registration.objects.exists()
    assert mail.outbox == []


def test_each_registration_keeps_its_own_token_and_data(api_client, commit_callbacks):
    register(api_client, commit_callbacks)
    first_token = token_from(mail.outbox[0])
    response = register(api_client, commit_callbacks, password="Another-Passw0rd-7", first_name="X")

    assert response.status_code == 201
    assert not User.objects.exists()
    second_token = token_from(mail.outbox[1])
    assert confirm(api_client, second_token).status_code == 200
    user = User.objects.get()
    assert user.first_name == "X"
    assert user.check_password("Another-Passw0rd-7")
    # the address has its account: the other registration died with the confirmation
    assert confirm(api_client, first_token).status_code == 400
    assert not Registration.objects.exists()
    user.refresh_from_db()
    assert (user.first_name, user.check_password("Another-Passw0rd-7")) == ("X", True)


def test_register_accepts_form_encoded_body(api_client, commit_callbacks):
    with commit_callbacks():
        response = api_client.post(REGISTER, VALID)  # multipart, as the existing clients send
    assert response.status_code == 201


def test_register_refuses_malformed_json(api_client):
    response = api_client.post(REGISTER, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["Status"] is False
    assert not User.objects.exists()
    assert not Registration.objects.exists()


def test_confirm_activates_once(api_client, commit_callbacks):
    register(api_client, commit_callbacks)
    token = token_from(mail.outbox[0])

    response = confirm(api_client, token)
    assert response.status_code == 200
    assert response.json() == {"Status": True}
    user = User.objects.get()
    assert user.is_active
    assert (user.first_name, user.last_name, user.company, user.position, user.type) == (
        "Anna",
        "Smirnova",
        "Shop & Co",
        "buyer",
        "buyer",
    )
    assert not Registration.objects.exists()

    again = api_client.post(CONFIRM, {"email": "anna@example.com", "token": token}, format="json")
    assert again.status_code == 400
    assert "token" in again.json()["Errors"]


@pytest.mark.parametrize(
    "payload",
    [
        {"email": "anna@example.com", "token": "wrong-token"},
        {"email": "other@example.com", "token": None},  # right token, wrong email
        {"email": "anna@example.com"},
        {"token": None},
    ],
)
def test_confirm_refuses_wrong_token_or_email(api_client, commit_callbacks, payload):
    register(api_client, commit_callbacks)
    token = token_from(mail.outbox[0])
    payload = {key: (token if value is None else value) for key, value in payload.items()}
    response = api_client.post(CONFIRM, payload, format="json")
    assert response.status_code == 400
    assert response.json()["Status"] is False
    assert not User.objects.exists()
    assert confirm(api_client, token).status_code == 200  # the registration still stands


def test_a_refused_token_is_named_in_the_clients_language(api_client, commit_callbacks):
    register(api_client, commit_callbacks)
    for language, message in [
        ("ru", "Токен неверен, уже использован или истёк."),
        ("en", "The token is invalid, used or expired."),
    ]:
        response = api_client.post(
            CONFIRM,
            {"email": "anna@example.com", "token": "wrong-token"},
            format="json",
            HTTP_ACCEPT_LANGUAGE=language,
        )
        assert response.status_code == 400
        assert response.json() == {"Status": False, "Errors": {"token": [message]}}
    assert not User.objects.exists()
    assert Registration.objects.count() == 1


def test_confirm_refuses_expired_token(api_client, commit_callbacks):
    register(api_client, commit_callbacks)
    token = token_from(mail.outbox[0])
    Registration.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = confirm(api_client, token)
    assert response.status_code == 400
    assert not User.objects.exists()
    assert not Registration.objects.exists()  # an expired registration is deleted when used


def test_confirm_token_ttl_follows_setting(api_client, commit_callbacks, settings):
    settings.CONFIRM_TOKEN_TTL_HOURS = 5
    register(api_client, commit_callbacks)
    registration = Registration.objects.get()
    expected = timezone.now() + timedelta(hours=5)
    assert abs((registration.expires_at - expected).total_seconds()) < 60


def test_unconfirmed_account_cannot_log_in_then_can_after_confirmation(
    api_client, commit_callbacks
):
    register(api_client, commit_callbacks)
    credentials = {"email": "anna@example.com", "password": VALID["password"]}
    refused = api_client.post(LOGIN, credentials, format="json")
    assert refused.status_code == 401
    assert refused.json()["Status"] is False

    confirm(api_client, token_from(mail.outbox[0]))
    response = api_client.post(LOGIN, credentials, format="json")
    assert response.status_code == 200
    assert response.json()["Status"] is True
    assert len(response.json()["Token"]) == 40


def test_registration_email_in_russian_when_asked(api_client, commit_callbacks):
    with commit_callbacks():
        api_client.post(REGISTER, VALID, format="json", HTTP_ACCEPT_LANGUAGE="ru")
    assert Registration.objects.get().language == "ru"
    assert mail.outbox[0].subject == "Подтвердите адрес email"
    html = mail.outbox[0].alternatives[0][0]
    assert "Здравствуйте, Anna!" in html
    confirm(api_client, token_from(mail.outbox[0]))
    assert User.objects.get().language == "ru"


def test_errors_are_translated(api_client):
    response = api_client.post(REGISTER, {}, format="json", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 400
    assert response.json()["Errors"]["email"] == ["Обязательное поле."]
