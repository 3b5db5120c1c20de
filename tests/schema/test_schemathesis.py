"""Property-based tests of every operation in /api/schema/, as anonymous, buyer and supplier.

No input may produce a 5xx; every response must have a documented status code, content
type and body shape.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from procurement.accounts.tokens import issue_api_token
from tests.support.factories import ContactFactory, OfferFactory, SupplierFactory, UserFactory

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 15


schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture(autouse=True)
def _keep_the_test_connection_open():
    """As Django's test client does: the test transaction outlives each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def token_header(user) -> dict[str, str]:
    return {"Authorization": f"Token {issue_api_token(user=user)}"}


@pytest.fixture
def buyer_headers(db):
    buyer = UserFactory()
    ContactFactory(user=buyer)
    return token_header(buyer)


@pytest.fixture
def supplier_headers(db):
    supplier = SupplierFactory()
    OfferFactory(shop__user=supplier, parameters={"Цвет": "синий"})
    return token_header(supplier)


fuzz = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@schema.parametrize()
@fuzz
def test_as_anonymous(case, db):
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@fuzz
def test_as_buyer(case, buyer_headers):
    case.call_and_validate(headers=buyer_headers, checks=CHECKS)


@schema.parametrize()
@fuzz
def test_as_supplier(case, supplier_headers):
    case.call_and_validate(headers=supplier_headers, checks=CHECKS)
