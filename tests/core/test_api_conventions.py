import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

DETAILS = "/api/v1/user/details"


def test_trailing_slash_is_the_same_endpoint(buyer_client):
    plain = buyer_client.get(DETAILS)
    slashed = buyer_client.get(DETAILS + "/")
    assert plain.status_code == slashed.status_code == 200
    assert plain.json() == slashed.json()


def test_unknown_api_path_is_a_json_404(api_client):
    response = api_client.get("/api/v1/no/such/thing")
    assert response.status_code == 404
    assert response.json() == {"Status": False, "Errors": "Not found."}


def test_unsupported_media_type_is_415(api_client):
    response = api_client.post("/api/v1/user/login", b"<xml/>", content_type="application/xml")
    assert response.status_code == 415
    assert response.json()["Status"] is False


def test_too_large_body_is_413(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api_client.post(
        "/api/v1/user/login",
        {"email": "a@example.com", "password": "x" * 2000},
        format="json",
    )
    assert response.status_code == 413
    assert response.json()["Status"] is False


def test_too_many_form_fields_is_a_400(api_client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    data = "&".join(f"f{i}=1" for i in range(20))
    response = api_client.post(
        "/api/v1/user/login", data, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert response.json()["Status"] is False


def test_json_body_that_is_not_an_object_is_a_400(api_client):
    response = api_client.post("/api/v1/user/login", "[1, 2]", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["Status"] is False


def test_json_body_nested_too_deeply_to_decode_is_a_400(api_client):
    deep = "[" * 100_000 + "]" * 100_000
    response = api_client.post("/api/v1/user/register", deep, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "Status": False,
        "Errors": "JSON parse error: the body is nested too deeply.",
    }


@pytest.mark.parametrize(
    "language, body, message",
    [
        (
            "en",
            '{"email": "a@example.com",\n "password" "x"}',
            "JSON parse error: line 2, column 13: Expecting “:”",
        ),
        (
            "ru",
            '{"email": "a@example.com",}',
            "Ошибка разбора JSON: строка 1, столбец 27: Ожидается имя в двойных кавычках",
        ),
        ("ru", b'{"email": "\xff"}', "Ошибка разбора JSON: тело запроса не в кодировке UTF-8."),
    ],
)
def test_a_body_that_is_not_json_says_what_is_wrong_where(api_client, language, body, message):
    response = api_client.post(
        "/api/v1/user/login", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 400
    assert response.json() == {"Status": False, "Errors": message}


def test_a_price_list_upload_that_is_not_json_or_multipart_says_so_in_russian(supplier_client):
    update = "/api/v1/partner/update"
    bad_json = supplier_client.post(
        update, '{"url": }', content_type="application/json", HTTP_ACCEPT_LANGUAGE="ru"
    )
    no_boundary = supplier_client.post(
        update, b"--x--", content_type="multipart/form-data", HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert (bad_json.status_code, no_boundary.status_code) == (400, 400)
    assert bad_json.json()["Errors"] == (
        "Ошибка разбора JSON: строка 1, столбец 9: Ожидается значение"
    )
    assert no_boundary.json()["Errors"].startswith("Не удалось прочитать тело multipart: ")


def test_framework_messages_come_in_russian(buyer_client):
    """Django REST framework's own Russian catalog lacks some of its messages."""
    response = buyer_client.post(
        "/api/v1/user/contact", {"city": ["a"]}, format="json", HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert response.status_code == 400
    assert response.json()["Errors"]["city"] == ["Должно быть строкой."]


def test_browsable_api_is_off_without_debug(buyer_client):
    response = buyer_client.get(DETAILS, HTTP_ACCEPT="text/html")
    assert response.status_code in {200, 406}
    assert response["Content-Type"].startswith("application/json")


def test_health_answers_when_the_database_does(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True}


def test_health_is_503_when_the_database_does_not_answer(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("database is gone")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["database"] is False


def test_admin_login_page_is_html(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert b"<form" in response.content


@pytest.mark.parametrize("path", ["/api/v1/user/contact", "/api/v1/basket", "/api/v1/order"])
def test_options_describes_the_endpoint_without_touching_data(buyer_client, path):
    response = buyer_client.options(path)
    assert response.status_code == 200
    assert "actions" not in response.json()
    assert "application/json" in response.json()["renders"]
