import pytest
from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("/api/v1/user/register", {"email": "bad"}),
    ("/api/v1/user/register/confirm", {"email": "a@example.com", "token": "x"}),
    ("/api/v1/user/login", {"email": "a@example.com", "password": "x"}),
    ("/api/v1/user/password_reset", {"email": "a@example.com"}),
    ("/api/v1/user/password_reset/confirm", {"token": "x", "password": "y"}),
]


@pytest.fixture
def three_per_minute(monkeypatch):
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "auth": "3/minute"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    cache.clear()


@pytest.mark.parametrize(("path", "payload"), ENDPOINTS)
def test_auth_endpoints_are_throttled_per_client(api_client, three_per_minute, path, payload):
    statuses = [api_client.post(path, payload, format="json").status_code for _ in range(4)]
    assert 429 not in statuses[:3]
    assert statuses[3] == 429
    throttled = api_client.post(path, payload, format="json")
    assert throttled.json()["Status"] is False
    assert int(throttled["Retry-After"]) > 0

    other_client = api_client.__class__(REMOTE_ADDR="10.1.2.3")
    assert other_client.post(path, payload, format="json").status_code != 429


def test_the_429_says_when_to_try_again_in_the_clients_language(api_client, three_per_minute):
    path, payload = ENDPOINTS[0]
    for _attempt in range(3):
        api_client.post(path, payload, format="json")
    english = api_client.post(path, payload, format="json")
    russian = api_client.post(path, payload, format="json", HTTP_ACCEPT_LANGUAGE="ru")
    seconds = int(russian["Retry-After"])
    assert (
        english.json()["Errors"]
        == f"Too many attempts. Try again in {english['Retry-After']} seconds."
    )
    assert russian.json() == {
        "Status": False,
        "Errors": f"Слишком много попыток. Повторите через {seconds} с.",
    }


def test_default_rate_comes_from_the_environment_setting(settings):
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth"] == "10/minute"
