"""API tokens: one per login, kept as digests, revoked by logout and by a password change,
optionally expiring; checked in one query a request."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient, APIRequestFactory

from procurement.accounts.authentication import ApiTokenAuthentication
from procurement.accounts.models import ApiToken, OneTimeToken, Registration, TokenPurpose
from procurement.accounts.tasks import delete_expired_credentials
from procurement.accounts.tokens import issue_api_token
from tests.support.factories import DEFAULT_PASSWORD, UserFactory

LOGIN = "/api/v1/user/login"
LOGOUT = "/api/v1/user/logout"
DETAILS = "/api/v1/user/details"
NEW_PASSWORD = "Brand-New-Passw0rd"

pytestmark = pytest.mark.django_db


def login(email: str, password: str = DEFAULT_PASSWORD) -> str:
    response = APIClient().post(LOGIN, {"email": email, "password": password}, format="json")
    assert response.status_code == 200
    return response.json()["Token"]


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def works(key: str) -> bool:
    status = with_token(key).get(DETAILS).status_code
    assert status in (200, 401)
    return status == 200


def test_logout_revokes_the_token_used_and_only_it(buyer):
    phone, laptop = login(buyer.email), login(buyer.email)

    response = with_token(phone).post(LOGOUT)

    assert response.status_code == 200
    assert response.json() == {"Status": True}
    refused = with_token(phone).get(DETAILS)
    assert refused.status_code == 401
    assert refused.json()["Status"] is False
    assert with_token(phone).post(LOGOUT).status_code == 401
    assert works(laptop)
    assert ApiToken.objects.filter(user=buyer).count() == 1


def test_logout_needs_a_token(api_client, buyer):
    login(buyer.email)
    response = api_client.post(LOGOUT)
    assert response.status_code == 401
    assert response.json()["Status"] is False
    assert ApiToken.objects.filter(user=buyer).count() == 1


@pytest.mark.parametrize("method", ["post", "patch"])
def test_a_password_change_revokes_every_token_and_answers_the_new_one(buyer, method):
    used, other = login(buyer.email), login(buyer.email)

    response = getattr(with_token(used), method)(
        DETAILS, {"password": NEW_PASSWORD, "first_name": "Олег"}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    new = body.pop("Token")
    assert body == {
        "Status": True,
        "id": buyer.pk,
        "first_name": "Олег",
        "last_name": buyer.last_name,
        "email": buyer.email,
        "company": "",
        "position": "",
        "type": "buyer",
        "language": "en",
        "contacts": [],
    }
    assert not works(used)
    assert not works(other)
    assert works(new)
    assert ApiToken.objects.filter(user=buyer).count() == 1
    assert login(buyer.email, NEW_PASSWORD)


def test_a_profile_change_keeps_the_tokens(buyer):
    used, other = login(buyer.email), login(buyer.email)
    response = with_token(used).patch(DETAILS, {"company": "Retail"}, format="json")
    assert response.status_code == 200
    assert response.json()["Status"] is True
    assert response.json()["company"] == "Retail"
    assert "Token" not in response.json()
    assert works(used) and works(other)


def test_a_refused_password_change_keeps_the_password_and_the_tokens(buyer):
    used, other = login(buyer.email), login(buyer.email)
    response = with_token(used).post(DETAILS, {"password": "12345678"}, format="json")
    assert response.status_code == 400
    assert "Token" not in response.json()
    assert works(used) and works(other)
    buyer.refresh_from_db()
    assert buyer.check_password(DEFAULT_PASSWORD)


def age(key_owner, hours: float) -> None:
    ApiToken.objects.filter(user=key_owner).update(
        created_at=timezone.now() - timedelta(hours=hours)
    )


def test_a_token_older_than_the_ttl_is_refused_and_deleted(buyer, settings):
    settings.API_TOKEN_TTL_HOURS = 2
    old = login(buyer.email)
    age(buyer, 2.1)
    fresh = login(buyer.email)

    assert not works(old)
    assert works(fresh)
    assert ApiToken.objects.filter(user=buyer).count() == 1  # the expired one is gone


def test_without_a_ttl_tokens_last_until_revoked(buyer, settings):
    assert settings.API_TOKEN_TTL_HOURS is None
    key = login(buyer.email)
    age(buyer, 24 * 365 * 5)
    assert works(key)


def test_the_token_of_a_deactivated_user_is_refused(buyer):
    key = login(buyer.email)
    buyer.is_active = False
    buyer.save(update_fields=["is_active"])
    assert not works(key)


@pytest.mark.parametrize("ttl", [None, 2])
def test_authenticating_a_request_is_one_query_and_no_write(buyer, settings, ttl):
    settings.API_TOKEN_TTL_HOURS = ttl
    key = issue_api_token(user=buyer)
    request = APIRequestFactory().get(DETAILS, HTTP_AUTHORIZATION=f"Token {key}")

    with CaptureQueriesContext(connection) as queries:
        user, token = ApiTokenAuthentication().authenticate(request)

    assert (user, token.user_id) == (buyer, buyer.pk)
    assert len(queries.captured_queries) == 1
    assert queries.captured_queries[0]["sql"].lstrip().upper().startswith("SELECT")


def test_expired_credentials_are_deleted_periodically(buyer, settings):
    settings.API_TOKEN_TTL_HOURS = 2
    now = timezone.now()
    kept_token, old_token = issue_api_token(user=buyer), issue_api_token(user=buyer)
    ApiToken.objects.filter(pk=ApiToken.objects.latest("pk").pk).update(
        created_at=now - timedelta(hours=3)
    )
    for number, expires_at in enumerate([now - timedelta(seconds=1), now + timedelta(hours=1)]):
        Registration.objects.create(
            email="pending@example.com",
            digest=f"{number}" * 64,
            expires_at=expires_at,
            password="!",
            first_name="P",
            last_name="Q",
        )
        OneTimeToken.objects.create(
            user=buyer,
            purpose=TokenPurpose.RESET_PASSWORD,
            digest=f"{number + 5}" * 64,
            expires_at=expires_at,
        )

    assert delete_expired_credentials() == 3

    assert list(Registration.objects.values_list("digest", flat=True)) == ["1" * 64]
    assert list(OneTimeToken.objects.values_list("digest", flat=True)) == ["6" * 64]
    assert works(kept_token)
    assert not works(old_token)


def test_the_401_of_an_unknown_token_is_translated(api_client):
    UserFactory()
    api_client.credentials(HTTP_AUTHORIZATION="Token " + "f" * 40)
    response = api_client.get(DETAILS, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 401
    assert response.json() == {"Status": False, "Errors": "Недействительный токен."}
    assert response["WWW-Authenticate"] == "Token"


def test_expired_web_sessions_are_deleted_periodically(buyer):
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    expired, live = SessionStore(), SessionStore()
    for store in (expired, live):
        store["_auth_user_id"] = str(buyer.pk)
        store.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    delete_expired_credentials()

    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
