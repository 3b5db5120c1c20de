import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail

from procurement.accounts.models import Registration, User
from procurement.orders.models import OrderItem
from tests.support.factories import DEFAULT_PASSWORD, OfferFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Fresh-Garden-2026"


def link_in(message, path: str) -> str:
    match = re.search(rf"(https?://\S+{re.escape(path)}\S*)", message.body)
    assert match, message.body
    return match.group(1)


def test_the_root_is_the_web_catalog_and_the_api_stays_where_it_was(client):
    page = client.get("/")
    assert page.status_code == 200
    assert b"<h1>Catalog</h1>" in page.content
    assert client.get("/api/v1/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def sign_up(client, commit_callbacks, email="new.buyer@example.com"):
    with commit_callbacks():
        return client.post(
            "/account/register/",
            {
                "first_name": "Anna",
                "last_name": "Smirnova",
                "email": email,
                "password": NEW_PASSWORD,
                "type": "buyer",
            },
        )


def test_sign_up_emails_a_link_whose_page_confirms_only_by_its_button(
    client, commit_callbacks, settings
):
    settings.SITE_URL = "https://shop.example.com"
    response = sign_up(client, commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == "/account/register/sent/"
    link = link_in(mail.outbox[-1], "/account/confirm/")
    assert link.startswith("https://shop.example.com/account/confirm/?email=")

    # Opening the link (as a mail scanner would) changes nothing.
    page = client.get(link.removeprefix("https://shop.example.com"))
    assert page.status_code == 200
    assert b"Confirm my email" in page.content
    assert not User.objects.filter(email="new.buyer@example.com").exists()
    assert Registration.objects.count() == 1

    token = re.search(r"token=([\w-]+)", link).group(1)
    confirmed = client.post("/account/confirm/", {"email": "new.buyer@example.com", "token": token})
    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/account/login/"
    assert User.objects.get(email="new.buyer@example.com").is_active


def test_a_wrong_confirmation_token_is_refused_and_makes_no_account(client, commit_callbacks):
    sign_up(client, commit_callbacks)
    refused = client.post("/account/confirm/", {"email": "new.buyer@example.com", "token": "x"})
    assert refused.status_code == 400
    assert b"The token is invalid, used or expired." in refused.content
    assert not User.objects.filter(email="new.buyer@example.com").exists()
    assert Registration.objects.count() == 1


def test_a_confirmation_link_without_its_token_says_so(client):
    page = client.get("/account/confirm/?email=a@example.com")
    assert page.status_code == 400
    assert b"This link is incomplete" in page.content


def test_a_weak_password_is_shown_next_to_its_field_and_nothing_is_registered(
    client, commit_callbacks
):
    with commit_callbacks():
        page = client.post(
            "/account/register/",
            {
                "first_name": "A",
                "last_name": "B",
                "email": "a@example.com",
                "password": "123",
                "type": "buyer",
            },
        )
    assert page.status_code == 400
    assert b"This password is too short" in page.content
    assert Registration.objects.count() == 0
    assert mail.outbox == []


def test_log_in_opens_a_session_and_log_out_is_a_post(client):
    user = UserFactory(email="anna@example.com")
    wrong = client.post("/account/login/", {"email": user.email, "password": "nope"})
    assert wrong.status_code == 401
    assert b"Wrong email or password" in wrong.content
    assert SESSION_KEY not in client.session

    right = client.post("/account/login/", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert right.status_code == 302
    assert right["Location"] == "/"
    assert client.session[SESSION_KEY] == str(user.pk)

    assert client.get("/account/logout/").status_code == 405
    assert client.session[SESSION_KEY] == str(user.pk)
    assert client.post("/account/logout/").status_code == 302
    assert SESSION_KEY not in client.session


def test_log_in_goes_back_only_to_a_page_of_this_site(client):
    user = UserFactory()
    data = {"email": user.email, "password": DEFAULT_PASSWORD}
    elsewhere = client.post("/account/login/?next=https://evil.example.com/", data)
    assert elsewhere["Location"] == "/"
    client.post("/account/logout/")
    back = client.post("/account/login/?next=/orders/", data)
    assert back["Location"] == "/orders/"


def test_the_web_login_shares_the_api_logins_limit(client, api_client, three_per_minute):
    user = UserFactory()
    api_client.post("/api/v1/user/login", {"email": user.email, "password": "x"}, format="json")
    for _ in range(2):
        assert (
            client.post("/account/login/", {"email": user.email, "password": "x"}).status_code
            == 401
        )
    throttled = client.post("/account/login/", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    assert SESSION_KEY not in client.session


def test_a_forgotten_password_is_reset_by_the_link_of_the_email(client, commit_callbacks, settings):
    settings.SITE_URL = "http://127.0.0.1:8000/"
    user = UserFactory(email="anna@example.com")
    with commit_callbacks():
        sent = client.post("/account/password-reset/", {"email": "anna@example.com"})
    assert sent.status_code == 200
    link = link_in(mail.outbox[-1], "/account/password-reset/confirm/")
    assert link.startswith("http://127.0.0.1:8000/account/password-reset/confirm/?token=")
    path = link.removeprefix("http://127.0.0.1:8000")

    assert client.get(path).status_code == 200  # opening the link spends nothing
    token = re.search(r"token=([\w-]+)", link).group(1)
    weak = client.post("/account/password-reset/confirm/", {"token": token, "password": "1"})
    assert weak.status_code == 400
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)

    changed = client.post(
        "/account/password-reset/confirm/", {"token": token, "password": NEW_PASSWORD}
    )
    assert changed.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    again = client.post(
        "/account/password-reset/confirm/", {"token": token, "password": "Other-Pass-77"}
    )
    assert again.status_code == 400
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_pages_speak_the_language_of_the_browser_and_of_the_switcher(client):
    assert "Каталог".encode() in client.get("/", HTTP_ACCEPT_LANGUAGE="ru").content
    switched = client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    assert switched.status_code == 302
    assert "Каталог".encode() in client.get("/").content


def test_the_session_cookie_is_secure_and_hidden_from_scripts_in_production(client, settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    user = UserFactory()
    client.get("/account/login/")
    assert client.cookies["csrftoken"]["secure"]
    client.post("/account/login/", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert client.cookies["sessionid"]["secure"]
    assert client.cookies["sessionid"]["httponly"]


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "The form expired or came from another site: reload the page and try again."),
        ("ru", "Форма устарела или пришла с другого сайта: обновите страницу и попробуйте снова."),
    ],
    ids=["en", "ru"],
)
def test_a_csrf_failure_on_a_page_says_what_to_do(buyer, language, message):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(buyer)
    offer = OfferFactory(quantity=5)
    response = client.post(
        "/basket/add/", {"offer": offer.pk, "quantity": 1}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 403
    body = response.content.decode()
    assert message in body
    assert "DEBUG" not in body
    assert not OrderItem.objects.exists()


def test_a_form_posted_without_its_csrf_token_is_refused(buyer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(buyer)
    offer = OfferFactory(quantity=5)
    assert client.post("/basket/add/", {"offer": offer.pk, "quantity": 1}).status_code == 403
    assert not OrderItem.objects.exists()
    assert client.post("/account/logout/").status_code == 403
    assert client.session[SESSION_KEY] == str(buyer.pk)
