import io
import re

import pytest
import yaml
from django.core.management import call_command

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
