import io
import json
import re

import pytest
import yaml
from django.core.management import call_command
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def test_openapi_schema_validates_without_warnings():
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = yaml.safe_load(out.getvalue())
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/user/register" in schema["paths"]


def test_schema_endpoint_serves_json(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert "/api/v1/user/login" in response.json()["paths"]


def test_swagger_ui_is_served_from_the_service_itself(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    asset_urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert asset_urls
    assert all(not url.startswith(("http://", "https://", "//")) for url in asset_urls)
    bundle = next(url for url in asset_urls if "swagger-ui-bundle" in url)
    assert "drf_spectacular_sidecar" in bundle


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        out = io.StringIO()
        call_command("spectacular", "--format", "openapi-json", stdout=out)
    return json.loads(out.getvalue())


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def resolve(schema, node):
    while "$ref" in node:
        *_, kind, name = node["$ref"].split("/")
        node = schema["components"][kind][name]
    return node


def test_the_schema_is_valid_openapi(schema):
    validate(schema)


def test_every_operation_has_a_chosen_id_a_summary_and_examples(schema):
    ids = []
    for name, operation in operations(schema):
        ids.append(operation["operationId"])
        assert not operation["operationId"].startswith("v1_"), name  # drf-spectacular's default
        assert operation.get("summary"), name
        success = [code for code in operation["responses"] if code.startswith("2")]
        content = operation["responses"][success[0]].get("content", {})
        if "application/json" in content:
            assert content["application/json"].get("examples"), name
        body = operation.get("requestBody", {}).get("content", {})
        if "application/json" in body:
            assert body["application/json"].get("examples"), name
    assert len(ids) == len(set(ids))
    assert {"basket_add", "basket_update", "basket_remove", "order_place", "user_login"} <= set(ids)


def examples_of(schema):
    for name, operation in operations(schema):
        media = [
            *operation.get("requestBody", {}).get("content", {}).items(),
            *(
                item
                for response in operation["responses"].values()
                for item in resolve(schema, response).get("content", {}).items()
            ),
        ]
        for media_type, content in media:
            for example_name, example in content.get("examples", {}).items():
                yield f"{name} {media_type} {example_name}", content["schema"], example["value"]


def test_every_example_validates_against_its_schema(schema):
    checked = 0
    for name, example_schema, value in examples_of(schema):
        validator = OAS30Validator({**example_schema, "components": schema["components"]})
        errors = [error.message for error in validator.iter_errors(value)]
        assert not errors, (name, errors)
        checked += 1
    assert checked >= 55


def integers_in(value):
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from integers_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from integers_in(item)


def test_integer_examples_are_sensible(schema):
    """Nothing a browser cannot hold exactly, and every id field says what an id looks like."""
    values = [
        value for _name, _schema, example in examples_of(schema) for value in integers_in(example)
    ]
    assert values and max(values) < 10**9
    for component in schema["components"]["schemas"].values():
        for field in component.get("properties", {}).values():
            if field.get("type") == "integer" and field.get("maximum", 0) > 2**53:
                assert 1 <= field["example"] < 10**9


def test_request_bodies_are_json_but_for_the_upload(schema):
    for name, operation in operations(schema):
        body = operation.get("requestBody", {}).get("content", {})
        if name == "POST /api/v1/partner/update":
            assert set(body) == {"multipart/form-data", "application/json"}
            assert body["application/json"]["schema"] != body["multipart/form-data"]["schema"]
        elif body:
            assert set(body) == {"application/json"}, name


def test_delete_bodies_are_documented_and_optional(schema):
    for path in ("/api/v1/basket", "/api/v1/user/contact"):
        operation = schema["paths"][path]["delete"]
        assert operation["requestBody"]["required"] is False
        body = resolve(schema, operation["requestBody"]["content"]["application/json"]["schema"])
        assert "items" in body["properties"]
        assert [p["name"] for p in operation["parameters"] if p["in"] == "query"] == ["items"]


def test_security_says_who_may_call(schema):
    anonymous = {
        "POST /api/v1/user/register",
        "POST /api/v1/user/register/confirm",
        "POST /api/v1/user/login",
        "POST /api/v1/user/password_reset",
        "POST /api/v1/user/password_reset/confirm",
        "GET /api/v1/shops",
        "GET /api/v1/categories",
        "GET /api/v1/products",
        "GET /api/v1/products/{offer_id}",
    }
    for name, operation in operations(schema):
        expected = [] if name in anonymous else [{"tokenAuth": []}]
        assert operation["security"] == expected, name


def test_every_answer_a_client_can_get_is_documented(schema):
    public_reads = ["/api/v1/shops", "/api/v1/categories", "/api/v1/products"]
    for path in public_reads:
        assert "401" in schema["paths"][path]["get"]["responses"]  # a bad token is refused
    for name, operation in operations(schema):
        responses = operation["responses"]
        assert responses["503"] == {"$ref": "#/components/responses/ServiceUnavailable"}, name
        if "requestBody" in operation:
            assert {"400", "413", "415"} <= set(responses), name
        if operation["security"]:
            assert "401" in responses, name
    for path in ("/api/v1/user/login", "/api/v1/user/register", "/api/v1/user/password_reset"):
        assert schema["paths"][path]["post"]["responses"]["429"] == {
            "$ref": "#/components/responses/Throttled"
        }
    unavailable = schema["components"]["responses"]["ServiceUnavailable"]
    assert "Retry-After" in unavailable["headers"]


def test_ordering_is_one_comma_separated_parameter(schema):
    (ordering,) = [
        p
        for p in schema["paths"]["/api/v1/products"]["get"]["parameters"]
        if p["name"] == "ordering"
    ]
    assert ordering["schema"]["type"] == "string"
    pattern = re.compile(ordering["schema"]["pattern"])
    for good in ("price", "-price,name", "name,-price"):
        assert pattern.match(good)
    for bad in ("bogus", "price,", "price;name"):
        assert not pattern.match(bad)


def test_what_a_refusal_adds_is_in_the_error_schema(schema):
    """A 409 placing an order names its lines, shops or sum beside the message."""
    error = schema["components"]["schemas"]["Error"]
    assert {"lines", "shops", "total_sum"} <= set(error["properties"])
    assert set(error["required"]) == {"Errors"}


def test_descriptions_speak_to_clients_not_to_the_code(schema):
    texts = [
        component.get("description", "") for component in schema["components"]["schemas"].values()
    ]
    assert not [text for text in texts if "selectors." in text or "OFFER_ROWS" in text]
