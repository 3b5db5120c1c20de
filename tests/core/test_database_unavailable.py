"""A database that cannot be reached is a 503 with Retry-After in the API's error shape,
wherever the error is raised: a DRF view, the admin, health, a middleware."""

import logging

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client, override_settings

from harness.ports import free_port
from procurement.core.db import busy_error
from procurement.core.errors import RETRY_AFTER_SECONDS
from procurement.core.exception_handler import exception_handler
from tests.support.database import database_error

pytestmark = pytest.mark.django_db(transaction=True)

UNAVAILABLE = "The service is temporarily unavailable; please try again in a moment."


@pytest.fixture
def database_away(transactional_db, tmp_path):
    """The connection is closed and points where no database is: every query fails as it
    does while PostgreSQL restarts (connection refused) or a SQLite file cannot be opened."""
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = str(tmp_path / "no-such-folder" / "db.sqlite3")
    else:
        connection.settings_dict["PORT"] = str(free_port())
    yield
    connection.close()
    connection.settings_dict.update(saved)


def assert_unavailable(response, errors: str = UNAVAILABLE) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"Status": False, "Errors": errors}


@pytest.fixture
def database_read_only(transactional_db):
    """The database takes no writes, as a primary demoted by a failover does (PostgreSQL),
    or a file the service may not write (SQLite)."""
    on, off = (
        ("PRAGMA query_only = ON", "PRAGMA query_only = OFF")
        if connection.vendor == "sqlite"
        else (
            "SET SESSION default_transaction_read_only = on",
            "SET SESSION default_transaction_read_only = off",
        )
    )
    with connection.cursor() as cursor:
        cursor.execute(on)
    yield
    with connection.cursor() as cursor:
        cursor.execute(off)


def test_a_write_to_a_database_that_takes_none_is_a_503(buyer_client, buyer, database_read_only):
    contact = {"city": "Тверь", "street": "Мира", "house": "1", "phone": "+79990000000"}
    assert_unavailable(buyer_client.post("/api/v1/user/contact", contact, format="json"))
    assert_unavailable(buyer_client.get("/api/v1/basket"))  # creates the basket


def test_an_api_read_is_a_503(api_client, database_away):
    assert_unavailable(api_client.get("/api/v1/products"))


def test_an_authenticated_api_write_is_a_503(buyer_client, database_away):
    # The token cannot be looked up: the error comes from DRF's authentication.
    assert_unavailable(buyer_client.post("/api/v1/order", {"id": 1, "contact": 1}, format="json"))


def test_an_admin_page_is_a_503(staff_client, database_away):
    assert_unavailable(staff_client.get("/admin/orders/order/"))


def test_health_is_a_503_with_retry_after(client, database_away):
    response = client.get("/health")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.json() == {"status": "unavailable", "database": False}


class QueryingMiddleware:
    """A middleware that reads the database before the view, as a session or a token check would."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return self.get_response(request)


def test_an_error_raised_in_a_middleware_is_a_503(database_away):
    middleware = [*settings.MIDDLEWARE, f"{__name__}.QueryingMiddleware"]
    with override_settings(MIDDLEWARE=middleware):
        response = Client(raise_request_exception=False).get("/api/v1/products")
    assert_unavailable(response)


def test_a_conflict_that_reaches_a_view_is_a_busy_503():
    deadlock = database_error(OperationalError, "40P01")
    response = exception_handler(deadlock, {})
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.data == {
        "Status": False,
        "Errors": "The service is busy; please try again in a moment.",
    }


def test_every_unavailable_application_error_carries_retry_after():
    response = exception_handler(busy_error(), {})
    assert (response.status_code, response["Retry-After"]) == (503, str(RETRY_AFTER_SECONDS))


def test_other_database_errors_are_left_to_the_500_handler():
    from django.db import IntegrityError

    assert exception_handler(database_error(IntegrityError, "23505"), {}) is None


def test_periodic_tasks_leave_their_work_to_the_next_run_while_the_database_is_away(
    database_away, caplog
):
    """One line each, no traceback: an outage would otherwise log one every few seconds."""
    from procurement.accounts.tasks import delete_expired_credentials
    from procurement.notifications.tasks import send_unsent_emails
    from procurement.pricelists.tasks import forget_old_previews, pull_price_lists, recover_jobs

    tasks = [
        send_unsent_emails,
        recover_jobs,
        pull_price_lists,
        forget_old_previews,
        delete_expired_credentials,
    ]
    with caplog.at_level(logging.WARNING):
        assert [task() for task in tasks] == [None] * len(tasks)
    assert [(record.levelname, record.exc_info) for record in caplog.records] == [
        ("WARNING", None)
    ] * len(tasks)
    assert all("the database is unavailable" in record.getMessage() for record in caplog.records)
