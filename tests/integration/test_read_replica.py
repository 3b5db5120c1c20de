"""A real streaming replica beside the throwaway primary, and gunicorn configured with both:
anonymous catalog reads go to the replica, everything else to the primary; a replica that
stops or lags is skipped, never an error."""

import os
import re

import psycopg
import pytest
from django.db import connection

from harness.postgres import PostgresReplica, postgres_bindir
from harness.waiting import wait_until
from procurement.accounts.tokens import issue_api_token
from tests.support.celery_worker import database_url_of_test_database
from tests.support.factories import OfferFactory, UserFactory
from tests.support.web import GunicornServer, json_call

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def replica():
    if connection.vendor != "postgresql":
        pytest.skip("streaming replicas are PostgreSQL's: the PostgreSQL run tests them")
    settings = connection.settings_dict
    server = PostgresReplica(postgres_bindir(), primary_port=int(settings["PORT"])).start()
    yield server
    server.stop()


def replica_url(replica: PostgresReplica) -> str:
    return re.sub(r":\d+/", f":{replica.port}/", database_url_of_test_database())


def web_with(replica: PostgresReplica, *, max_lag: int) -> GunicornServer:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url_of_test_database(),
        "DATABASE_REPLICA_URLS": replica_url(replica),
        "REPLICA_MAX_LAG_SECONDS": str(max_lag),
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_FORMAT": "plain",
    }
    return GunicornServer(env=env, workers=1).start()


def on_replica(replica: PostgresReplica, sql: str, *params) -> list[tuple]:
    with psycopg.connect(replica_url(replica), autocommit=True) as replica_connection:
        return replica_connection.execute(sql, params).fetchall()


def replayed_up_to_now(replica: PostgresReplica) -> bool:
    """Whether the replica has replayed everything the primary has written so far."""
    with connection.cursor() as cursor:
        # The insert position, not the write position: with synchronous_commit off a commit
        # can wait in the WAL buffers, behind pg_current_wal_lsn(), and a replica paused
        # "up to now" would have replayed no commit at all (its lag then unknown).
        cursor.execute("SELECT pg_current_wal_insert_lsn()")
        (primary_lsn,) = cursor.fetchone()
    [(caught_up,)] = on_replica(
        replica, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", primary_lsn
    )
    return caught_up


def pause_replay(replica: PostgresReplica) -> None:
    """Let the replica catch up, then stop it replaying what the primary writes next."""
    wait_until(lambda: replayed_up_to_now(replica), timeout=30, message="the replica lags")
    on_replica(replica, "SELECT pg_wal_replay_pause()")
    # The call only asks for a pause: until the startup process takes it, what the primary
    # writes next may still be replayed.
    wait_until(
        lambda: on_replica(replica, "SELECT pg_get_wal_replay_pause_state()") == [("paused",)],
        timeout=30,
        message="the replica keeps replaying",
    )


def token_of(user) -> str:
    return issue_api_token(user=user)


def test_anonymous_catalog_reads_go_to_the_replica_the_rest_to_the_primary(replica):
    OfferFactory(quantity=3)
    buyer = UserFactory()
    token = token_of(buyer)
    pause_replay(replica)
    # Written on the primary only: the replica stopped replaying.
    added = OfferFactory(quantity=5, product__name="Только на основном")
    with web_with(replica, max_lag=300) as web:
        anonymous = json_call(f"{web.url}/api/v1/products/{added.pk}")
        signed_in = json_call(f"{web.url}/api/v1/products/{added.pk}", token=token)
        listed = json_call(f"{web.url}/api/v1/products")
        basket = json_call(
            f"{web.url}/api/v1/basket",
            "POST",
            {"items": [{"product_info": added.pk, "quantity": 2}]},
            token=token,
        )

    assert anonymous[0] == 404, anonymous  # the replica has not seen it
    assert signed_in[0] == 200, signed_in  # a signed-in user reads the primary
    assert signed_in[1]["product"]["name"] == "Только на основном"
    assert listed[0] == 200
    assert listed[1]["count"] == 1
    assert added.pk not in [offer["id"] for offer in listed[1]["results"]]
    assert basket[0] == 201, basket  # baskets: the primary
    assert on_replica(replica, "SELECT count(*) FROM catalog_offer WHERE id = %s", added.pk) == [
        (0,)
    ]
    # The catalog's queries reached the replica's server.
    queries = on_replica(
        replica,
        "SELECT count(*) FROM pg_stat_database WHERE datname = current_database() "
        "AND tup_returned > 0",
    )
    assert queries == [(1,)]


def test_a_stopped_replica_is_skipped_and_the_primary_answers(replica):
    offer = OfferFactory(quantity=3)
    with web_with(replica, max_lag=300) as web:
        first = json_call(f"{web.url}/api/v1/products")
        assert first[0] == 200, first
        # The worker's connection to the replica is open (gunicorn keeps it between requests).
        wait_until(
            lambda: (
                on_replica(
                    replica,
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND query LIKE '%%catalog_offer%%' "
                    "AND pid <> pg_backend_pid()",
                )
                != [(0,)]
            ),
            timeout=10,
            message="the catalog read never reached the replica",
        )
        replica.stop_server()

        answers = [
            json_call(f"{web.url}/api/v1/{path}")
            for path in ("products", f"products/{offer.pk}", "shops", "categories", "products")
        ]
        log = web.log()

    assert [status for status, _body in answers] == [200] * 5, log
    assert [row["id"] for row in answers[0][1]["results"]] == [offer.pk]
    assert answers[1][1]["id"] == offer.pk
    assert "replica replica_0" in log


def test_a_lagging_replica_is_skipped(replica):
    OfferFactory(quantity=3)
    with web_with(replica, max_lag=1) as web:
        pause_replay(replica)
        added = OfferFactory(quantity=5)

        # Once the replica is more than a second behind, the primary answers.
        def answered_by_the_primary() -> bool:
            return json_call(f"{web.url}/api/v1/products/{added.pk}")[0] == 200

        wait_until(answered_by_the_primary, timeout=30, message=web.log)
        status, listed = json_call(f"{web.url}/api/v1/products")
        log = web.log()

    assert status == 200
    assert listed["count"] == 2
    assert added.pk in [offer["id"] for offer in listed["results"]]
    # The replica still has not replayed it: the answers came from the primary.
    assert on_replica(replica, "SELECT count(*) FROM catalog_offer WHERE id = %s", added.pk) == [
        (0,)
    ]
    assert "replica replica_0 skipped" in log
