import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from harness.postgres import PostgresCluster, postgres_bindir
from harness.redis import RedisServer
from harness.smtp import CapturingSMTPServer
from tests.support.binaries import require_binary, which
from tests.support.celery_worker import CeleryWorker
from tests.support.clients import client_for
from tests.support.factories import ContactFactory, SupplierFactory, UserFactory


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite, test in a file: concurrency tests need connections that see each other."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(
            tmp_path_factory.mktemp("db") / "test.sqlite3"
        )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def buyer(db):
    return UserFactory()


@pytest.fixture
def supplier(db):
    return SupplierFactory()


@pytest.fixture
def contact(buyer):
    return ContactFactory(user=buyer)


@pytest.fixture
def buyer_client(buyer) -> APIClient:
    return client_for(buyer)


@pytest.fixture
def supplier_client(supplier) -> APIClient:
    return client_for(supplier)


@pytest.fixture
def staff_client(client):
    """Django's test client logged in to the admin as a superuser (`client.staff`)."""
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    client.staff = staff
    return client


@pytest.fixture
def commit_callbacks(django_capture_on_commit_callbacks):
    """Run the after-commit work (emails, tasks) of what happens inside the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture(scope="session")
def postgres_cluster():
    """A throwaway PostgreSQL cluster for this test session."""
    bindir = postgres_bindir()
    require_binary(str(bindir) if bindir else None, "PostgreSQL")
    with PostgresCluster(bindir) as cluster:
        yield cluster


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a free port; Django sends through it during the test."""
    server = CapturingSMTPServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server():
    """A throwaway redis-server for this test session."""
    binary = require_binary(which("redis-server"), "redis-server")
    server = RedisServer(binary).start()
    yield server
    server.stop()


@pytest.fixture
def celery_worker(transactional_db, redis_server, smtp_server, settings):
    """A real Celery worker fed through Redis; this process queues its tasks there too."""
    from config.celery import app

    redis.Redis.from_url(redis_server.url).flushdb()
    settings.CELERY_BROKER_URL = redis_server.url
    previous_broker = app.conf.broker_url
    app.conf.broker_url = redis_server.url
    worker = CeleryWorker(
        broker_url=redis_server.url,
        extra_env={
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_server.port),
            "EMAIL_TIMEOUT": "5",
        },
    ).start()
    yield worker
    worker.stop()
    app.conf.broker_url = previous_broker
