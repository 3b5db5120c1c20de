import pytest
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle


@pytest.fixture
def buyer_web(client, buyer):
    """Django's test client logged in (a session) as `buyer`."""
    client.force_login(buyer)
    return client


@pytest.fixture
def supplier_web(client, supplier):
    client.force_login(supplier)
    return client


@pytest.fixture
def three_per_minute(monkeypatch):
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "auth": "3/minute"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
