"""Errors Django answers outside the API's views keep the API's shape on API paths
(`{"Status": false, "Errors": "..."}`) and Django's HTML pages everywhere else."""

import json

import pytest
from django.core.exceptions import (
    DisallowedHost,
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
)
from django.test import Client, RequestFactory

from procurement.core import views

pytestmark = pytest.mark.django_db


def assert_api_error(response, status: int, message: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"Status": False, "Errors": message}


def assert_html(response, status: int) -> None:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/api/v1/shops", "/api/v1/no/such/thing", "/api/schema/"])
def test_a_disallowed_host_on_an_api_path_is_a_json_400(client, path):
    response = client.get(path, HTTP_HOST="attacker.example")
    assert_api_error(response, 400, "The request could not be processed.")


def test_a_disallowed_host_is_answered_in_the_clients_language(client):
    response = client.get("/api/v1/shops", HTTP_HOST="attacker.example", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 400
    assert response.json()["Errors"] == "Запрос не удалось обработать."


@pytest.mark.parametrize("path", ["/admin/", "/admin/login/", "/health"])
def test_a_disallowed_host_elsewhere_keeps_djangos_page(client, path):
    assert_html(client.get(path, HTTP_HOST="attacker.example"), 400)


def test_a_csrf_failure_in_the_admin_keeps_djangos_page(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": "a@example.com", "password": "x"})
    assert_html(response, 403)
    assert b"CSRF" in response.content


@pytest.mark.parametrize(
    ("handler", "arguments", "status", "message", "page_status"),
    [
        (
            views.bad_request,
            (DisallowedHost("bad host"),),
            400,
            "The request could not be processed.",
            400,
        ),
        (
            views.bad_request,
            (TooManyFieldsSent("many"),),
            400,
            "The request could not be processed.",
            400,
        ),
        (
            views.bad_request,
            (RequestDataTooBig("big"),),
            413,
            "The request body is too large.",
            400,
        ),
        (
            views.permission_denied,
            (PermissionDenied(),),
            403,
            "You do not have permission to perform this action.",
            403,
        ),
        (
            views.csrf_failure,
            ("CSRF token missing.",),
            403,
            "The request was refused: its CSRF check failed.",
            403,
        ),
        (views.server_error, (), 500, "Internal server error.", 500),
    ],
)
def test_every_handler_answers_json_on_api_paths_and_html_elsewhere(
    handler, arguments, status, message, page_status
):
    """Some of these cannot happen on today's API paths (every API view is exempt from CSRF
    and reads its body itself); the handlers answer in the API's shape all the same."""
    factory = RequestFactory()
    assert_api_error(handler(factory.post("/api/v1/basket"), *arguments), status, message)
    assert_html(handler(factory.post("/admin/login/"), *arguments), page_status)


def test_django_is_told_to_use_the_handlers(settings):
    from config import urls

    assert urls.handler400 == "procurement.core.views.bad_request"
    assert urls.handler403 == "procurement.core.views.permission_denied"
    assert settings.CSRF_FAILURE_VIEW == "procurement.web.views.common.csrf_failure"
