"""One limiter for every way in with a password (the API's account endpoints and the admin's
login form), counted in Redis when CACHE_URL is set, and open when Redis is not there."""

import logging
import socket

import pytest
from django.test import Client, override_settings
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from harness.redis import RedisServer
from procurement.accounts.models import User
from tests.support.binaries import require_binary, which
from tests.support.factories import DEFAULT_PASSWORD, UserFactory
from tests.support.processes import settings_in_a_fresh_process

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/user/login"
RESET = "/api/v1/user/password_reset"
ADMIN_LOGIN = "/admin/login/"


@pytest.fixture
def three_per_minute(monkeypatch):
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "auth": "3/minute"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)


@pytest.fixture
def own_redis():
    """A redis-server of this test alone: the test stops it."""
    server = RedisServer(require_binary(which("redis-server"), "redis-server")).start()
    yield server
    server.stop()


@pytest.fixture
def cache_at():
    """`cache_at(url)`: the cache is Redis at `url`, as settings.py builds it for CACHE_URL,
    until the test ends (before the suite's own cache is cleared)."""
    overrides = []

    def use(url: str) -> None:
        override = override_settings(
            CACHES={
                "default": {
                    "BACKEND": "django.core.cache.backends.redis.RedisCache",
                    "LOCATION": url,
                    "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
                }
            }
        )
        override.enable()
        overrides.append(override)

    yield use
    for override in reversed(overrides):
        override.disable()


def wrong_login(client, **extra):
    return client.post(LOGIN, {"email": "nobody@example.com", "password": "wrong"}, **extra)


def test_counts_in_redis_then_lets_everyone_in_when_redis_is_down(
    api_client, three_per_minute, own_redis, cache_at, caplog
):
    cache_at(own_redis.url)
    statuses = [wrong_login(api_client, format="json").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]

    own_redis.stop()
    with caplog.at_level(logging.WARNING, logger="procurement.core.throttling"):
        statuses = [wrong_login(api_client, format="json").status_code for _ in range(5)]
        reset = api_client.post(RESET, {"email": "nobody@example.com"}, format="json")
    assert statuses == [401] * 5
    assert (reset.status_code, reset.json()) == (200, {"Status": True})
    assert "the cache did not answer" in caplog.text


def test_a_redis_that_hangs_lets_the_request_through(api_client, three_per_minute, cache_at):
    # Accepts connections (the kernel does) and never answers: the read time-out ends the wait.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(100)
        host, port = silent.getsockname()
        cache_at(f"redis://{host}:{port}/1")
        user = UserFactory(email="petr@example.com")
        response = api_client.post(
            LOGIN, {"email": user.email, "password": DEFAULT_PASSWORD}, format="json"
        )
    assert response.status_code == 200
    assert response.json()["Token"]


def test_the_cache_has_short_socket_time_outs_with_cache_url():
    options = settings_in_a_fresh_process(
        "s.CACHES['default']['OPTIONS']", CACHE_URL="redis://127.0.0.1:6390/1"
    )
    assert options == {"socket_connect_timeout": 0.5, "socket_timeout": 1}


# The admin's login form


def admin_login(client, password, **extra):
    return client.post(
        ADMIN_LOGIN, {"username": "staff@example.com", "password": password}, **extra
    )


@pytest.fixture
def staff():
    return UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)


def test_the_admin_login_is_limited_at_the_same_rate_per_client(staff, three_per_minute):
    client = Client()
    statuses = [admin_login(client, "wrong").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]  # the form again, with its error

    refused = admin_login(client, DEFAULT_PASSWORD)

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many login attempts" in refused.content.decode()
    assert "_auth_user_id" not in client.session  # the right password was not even checked
    assert client.get("/admin/").status_code == 302
    # The API's login shares the count of this client.
    assert wrong_login(client, content_type="application/json").status_code == 429

    other = Client(REMOTE_ADDR="10.1.2.3")
    assert admin_login(other, DEFAULT_PASSWORD).status_code == 302  # logged in
    assert other.get("/admin/").status_code == 200


def test_behind_a_proxy_the_admin_login_counts_the_forwarded_client(
    staff, three_per_minute, monkeypatch
):
    monkeypatch.setattr(api_settings, "NUM_PROXIES", 1)
    proxy = Client(REMOTE_ADDR="10.0.0.1")
    for _ in range(3):
        admin_login(proxy, "wrong", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert admin_login(proxy, "wrong", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    assert admin_login(proxy, "wrong", HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 200


def test_the_admin_login_page_is_translated(staff, three_per_minute):
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    for _ in range(3):
        admin_login(client, "wrong")
    refused = admin_login(client, "wrong")
    assert refused.status_code == 429
    assert "Слишком много попыток входа" in refused.content.decode()


def test_the_admin_login_goes_on_when_redis_is_down(staff, three_per_minute, cache_at):
    cache_at("redis://127.0.0.1:1/1")  # nothing listens on port 1
    client = Client()
    for _ in range(4):
        assert admin_login(client, "wrong").status_code == 200
    assert admin_login(client, DEFAULT_PASSWORD).status_code == 302
    assert User.objects.get(pk=staff.pk).last_login is not None
