"""The 20 buyers' race through a real PgBouncer in transaction mode, with fewer server
connections than buyers, configured as the settings configure a pooled database."""

import re

import pytest
from django.db import connection, connections

from config.settings import database_from_url
from harness.pgbouncer import PgBouncer, pgbouncer_binary
from procurement.catalog.models import Offer
from procurement.orders.models import Order, OrderState
from tests.support.binaries import require_binary
from tests.support.celery_worker import database_url_of_test_database
from tests.support.factories import OfferFactory
from tests.support.races import race

pytestmark = pytest.mark.django_db(transaction=True)

BUYERS = 20
SERVER_CONNECTIONS = 5


@pytest.fixture
def through_pgbouncer(transactional_db, monkeypatch):
    """From here on this process's new connections (each thread has its own) go through
    PgBouncer, without prepared statements or server-side cursors."""
    if connection.vendor != "postgresql":
        pytest.skip("PgBouncer pools PostgreSQL: the PostgreSQL run tests it")
    binary = require_binary(pgbouncer_binary(), "PgBouncer")
    primary = connection.settings_dict
    with PgBouncer(
        binary, server_port=int(primary["PORT"]), pool_size=SERVER_CONNECTIONS
    ) as bouncer:
        monkeypatch.setenv("DATABASE_PREPARED_STATEMENTS", "false")
        monkeypatch.setenv("DATABASE_DISABLE_SERVER_SIDE_CURSORS", "true")
        pooled = database_from_url(
            re.sub(r":\d+/", f":{bouncer.port}/", database_url_of_test_database())
        )
        # The dict every thread's connection of "default" is made from.
        shared = connections.settings["default"]
        saved = dict(shared)
        keys = ("HOST", "PORT", "OPTIONS", "DISABLE_SERVER_SIDE_CURSORS")
        shared.update({key: pooled.get(key, {}) for key in keys})
        connection.close()
        try:
            yield bouncer
        finally:
            connection.close()
            shared.clear()
            shared.update(saved)


def test_twenty_buyers_for_five_units_through_pgbouncer(through_pgbouncer):
    offer = OfferFactory(quantity=5)
    assert connection.connection.info.port == through_pgbouncer.port

    placed, refused, crashed = race(offer, quantity=2, buyers=BUYERS)

    assert crashed == []
    assert len(placed) == 2
    assert refused == ["conflict"] * (BUYERS - 2)
    assert Offer.objects.get(pk=offer.pk).quantity == 1
    assert Order.objects.filter(state=OrderState.NEW).count() == 2
    assert Order.objects.filter(state=OrderState.BASKET).count() == BUYERS - 2
    # The placements went through the pooler: a transaction each at least.
    database = connection.settings_dict["NAME"]
    assert through_pgbouncer.stats()[database]["total_xact_count"] >= BUYERS
