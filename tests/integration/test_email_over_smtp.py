"""Registration and password reset against a real SMTP server (aiosmtpd on a free port)."""

import re

import pytest

from harness.smtp import CapturingSMTPServer
from procurement.accounts.models import Registration, User
from procurement.notifications.models import OutboundEmail

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Sturdy-Passw0rd-42"
REGISTRATION = {
    "first_name": "Мария",
    "last_name": "Иванова",
    "email": "maria@example.com",
    "password": PASSWORD,
}


def token_in(text: str) -> str:
    return re.search(r"^\s*([A-Za-z0-9_-]{40,})\s*$", text, re.MULTILINE).group(1)


def test_register_confirm_login_through_real_smtp(api_client, smtp_server):
    response = api_client.post(
        "/api/v1/user/register", REGISTRATION, format="json", HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert response.status_code == 201

    (message,) = smtp_server.wait_for(1)
    assert message["To"] == "maria@example.com"
    assert message["Subject"] == "Подтвердите адрес email"
    assert message.get_body(preferencelist=("html",)) is not None
    token = token_in(CapturingSMTPServer.text_of(message))

    confirmed = api_client.post(
        "/api/v1/user/register/confirm",
        {"email": "maria@example.com", "token": token},
        format="json",
    )
    assert confirmed.status_code == 200
    login = api_client.post(
        "/api/v1/user/login", {"email": "maria@example.com", "password": PASSWORD}, format="json"
    )
    assert login.status_code == 200
    assert OutboundEmail.objects.get().state == OutboundEmail.State.SENT


def test_smtp_down_never_breaks_registration_and_the_address_can_register_again(
    api_client, smtp_server
):
    smtp_server.stop()

    response = api_client.post("/api/v1/user/register", REGISTRATION, format="json")

    assert response.status_code == 201
    assert not User.objects.exists()
    assert Registration.objects.count() == 1
    failed = OutboundEmail.objects.get()
    assert failed.state == OutboundEmail.State.FAILED
    assert failed.attempts == 1
    assert failed.last_error

    smtp_server.start()
    again = api_client.post("/api/v1/user/register", REGISTRATION, format="json")
    assert again.status_code == 201
    (message,) = smtp_server.wait_for(1)
    token = token_in(CapturingSMTPServer.text_of(message))
    confirmed = api_client.post(
        "/api/v1/user/register/confirm",
        {"email": "maria@example.com", "token": token},
        format="json",
    )
    assert confirmed.status_code == 200
    assert User.objects.get().is_active


def test_password_reset_email_over_real_smtp(api_client, smtp_server):
    User.objects.create_user(email="petr@example.com", password=PASSWORD, is_active=True)
    response = api_client.post(
        "/api/v1/user/password_reset", {"email": "petr@example.com"}, format="json"
    )
    assert response.status_code == 200
    (message,) = smtp_server.wait_for(1)
    token = token_in(CapturingSMTPServer.text_of(message))
    reset = api_client.post(
        "/api/v1/user/password_reset/confirm",
        {"token": token, "password": "Fresh-Passw0rd-2026"},
        format="json",
    )
    assert reset.status_code == 200
    assert User.objects.get().check_password("Fresh-Passw0rd-2026")
