import pytest
from django.core.management import call_command

from procurement.accounts.models import ApiToken, User, digest_of
from tests.support.factories import DEFAULT_PASSWORD, UserFactory

LOGIN = "/api/v1/user/login"
DETAILS = "/api/v1/user/details"

pytestmark = pytest.mark.django_db


def test_each_login_gets_its_own_token_of_which_only_a_digest_is_kept(api_client, buyer):
    credentials = {"email": buyer.email, "password": DEFAULT_PASSWORD}
    first = api_client.post(LOGIN, credentials, format="json").json()
    second = api_client.post(LOGIN, credentials, format="json").json()["Token"]
    assert first["Status"] is True
    first = first["Token"]
    assert first != second
    assert all(len(key) == 40 for key in [first, second])
    stored = set(ApiToken.objects.filter(user=buyer).values_list("digest", flat=True))
    assert stored == {digest_of(first), digest_of(second)}
    for key in [first, second]:
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert api_client.get(DETAILS).json()["email"] == buyer.email


def test_login_email_is_case_insensitive(api_client, buyer):
    response = api_client.post(
        LOGIN, {"email": buyer.email.upper(), "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "credentials",
    [
        {"email": "user@example.com", "password": "wrong"},
        {"email": "nobody@example.com", "password": DEFAULT_PASSWORD},
    ],
)
def test_login_refuses_wrong_credentials(api_client, credentials):
    UserFactory(email="user@example.com")
    response = api_client.post(LOGIN, credentials, format="json")
    assert response.status_code == 401
    assert response.json()["Status"] is False
    assert not ApiToken.objects.exists()


def test_login_refuses_missing_fields(api_client):
    response = api_client.post(LOGIN, {"email": "a@example.com"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()["Errors"]


def test_createsuperuser_noinput_makes_an_active_staff_account_that_logs_in(
    api_client, monkeypatch
):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Root@Example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Root-Passw0rd-99")
    call_command("createsuperuser", "--noinput", verbosity=0)
    user = User.objects.get()
    assert (user.email, user.is_active, user.is_staff, user.is_superuser) == (
        "root@example.com",
        True,
        True,
        True,
    )
    response = api_client.post(
        LOGIN, {"email": "root@example.com", "password": "Root-Passw0rd-99"}, format="json"
    )
    assert response.status_code == 200


def test_details_need_authentication(api_client):
    response = api_client.get(DETAILS)
    assert response.status_code == 401
    assert response.json()["Status"] is False
    assert response.has_header("WWW-Authenticate")


def test_details_refuse_a_bad_token(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert api_client.get(DETAILS).status_code == 401


def test_details_show_the_profile_and_contacts(buyer_client, buyer, contact):
    response = buyer_client.get(DETAILS)
    assert response.status_code == 200
    assert response.json() == {
        "id": buyer.id,
        "first_name": buyer.first_name,
        "last_name": buyer.last_name,
        "email": buyer.email,
        "company": "",
        "position": "",
        "type": "buyer",
        "language": "en",
        "contacts": [
            {
                "id": contact.id,
                "city": "Moscow",
                "street": "Tverskaya",
                "house": "1",
                "structure": "",
                "building": "",
                "apartment": "",
                "phone": "+79990000000",
            }
        ],
    }


@pytest.mark.parametrize("method", ["post", "patch"])
def test_details_update_profile(buyer_client, buyer, method):
    response = getattr(buyer_client, method)(
        DETAILS, {"first_name": "Олег", "company": "Retail"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["first_name"] == "Олег"
    buyer.refresh_from_db()
    assert (buyer.first_name, buyer.company) == ("Олег", "Retail")


def test_the_language_of_an_account_is_changed_and_refused_when_unknown(buyer_client, buyer):
    response = buyer_client.patch(DETAILS, {"language": "ru"}, format="json")
    assert (response.status_code, response.json()["language"]) == (200, "ru")
    buyer.refresh_from_db()
    assert buyer.language == "ru"
    refused = buyer_client.patch(DETAILS, {"language": "de"}, format="json")
    assert refused.status_code == 400
    buyer.refresh_from_db()
    assert buyer.language == "ru"


def test_details_change_password(api_client, buyer_client, buyer):
    response = buyer_client.post(DETAILS, {"password": "Brand-New-Passw0rd"}, format="json")
    assert response.status_code == 200
    buyer.refresh_from_db()
    assert buyer.check_password("Brand-New-Passw0rd")
    refused = api_client.post(
        LOGIN, {"email": buyer.email, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert refused.status_code == 401


def test_details_refuse_weak_password(buyer_client, buyer):
    response = buyer_client.post(DETAILS, {"password": "12345678"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()["Errors"]
    buyer.refresh_from_db()
    assert buyer.check_password(DEFAULT_PASSWORD)


@pytest.mark.parametrize(
    ("field", "value"),
    [("email", "new@example.com"), ("type", "shop"), ("is_active", False), ("is_staff", True)],
)
def test_details_never_write_protected_fields(buyer_client, buyer, field, value):
    response = buyer_client.patch(DETAILS, {field: value, "first_name": "Changed"}, format="json")
    assert response.status_code == 400
    assert field in response.json()["Errors"]
    fresh = User.objects.get(pk=buyer.pk)
    assert (fresh.email, fresh.type, fresh.is_active, fresh.is_staff, fresh.first_name) == (
        buyer.email,
        "buyer",
        True,
        False,
        buyer.first_name,
    )


def test_details_refuse_too_long_value(buyer_client, buyer):
    response = buyer_client.patch(DETAILS, {"company": "x" * 101}, format="json")
    assert response.status_code == 400
    buyer.refresh_from_db()
    assert buyer.company == ""


def test_details_method_not_allowed(buyer_client):
    response = buyer_client.delete(DETAILS)
    assert response.status_code == 405
    assert response.json()["Status"] is False
