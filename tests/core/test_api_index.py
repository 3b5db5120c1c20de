"""`/api/v1/` lists the endpoints; `/` leads to the docs."""

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


def test_the_index_lists_every_path_of_the_schema_with_its_methods(api_client):
    response = api_client.get("/api/v1/")

    assert response.status_code == 200
    index = response.json()
    assert index["docs"] == "http://testserver/api/docs/"
    assert index["schema"] == "http://testserver/api/schema/"
    schema = SchemaGenerator().get_schema(request=None, public=True)
    listed = {endpoint["path"]: endpoint["methods"] for endpoint in index["endpoints"]}
    assert set(listed) == set(schema["paths"])
    for path, operations in schema["paths"].items():
        methods = {method.upper() for method in operations if method in HTTP_METHODS}
        assert set(listed[path]) == methods, path
    assert listed["/api/v1/basket"]["POST"].startswith("Add offers to the basket")
    assert listed["/api/v1/order"]["POST"] == "Place the basket as an order"
    assert {"/api/v1/user/login", "/api/v1/products/{offer_id}"} <= set(listed)


def test_the_index_answers_without_a_trailing_slash_and_to_anyone(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-key")
    response = api_client.get("/api/v1")
    assert response.status_code == 200
    assert response.json()["endpoints"]


def test_the_index_is_read_only(api_client):
    response = api_client.post("/api/v1/", {"x": 1}, format="json")
    assert response.status_code == 405
    assert response.json() == {"Status": False, "Errors": 'Method "POST" not allowed.'}


def test_the_index_is_not_an_operation_of_the_schema(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert "/api/v1/" not in response.json()["paths"]
    assert "/api/v1" not in response.json()["paths"]
