"""The catalog page of the web interface against the API's page, at 100,000 offers.

    .venv/bin/python bench/web.py [--offers 100000] [--requests 300]

The catalog of bench/catalog.py in a throwaway PostgreSQL, gunicorn (2 workers, DEBUG off);
the web page is fetched by a logged-in buyer (a session cookie), the API's page anonymously,
as the API serves it. For each scenario: a warm-up, then sequential requests for p50/p95 of
each, taken in turns so both see the same machine. Everything it starts, it stops.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from catalog import build_catalog
from support import Client, percentile, setup_django, start_gunicorn, stop

from harness.ports import free_port
from harness.postgres import PostgresCluster, postgres_bindir

SCENARIOS = {
    "page of 20": {},
    "search, common word": {"search": "чайник"},
    "category filter": {"category_id": 105},
    "page 100 by price": {"ordering": "price", "page": 100},
}


def buyer_session() -> str:
    """A session of a logged-in buyer, as the login page leaves it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from procurement.accounts.models import User

    buyer = User.objects.create_user(
        email="bench.buyer@example.com", password="Bench-Buyer-2026", is_active=True
    )
    session = SessionStore()
    session[SESSION_KEY] = str(buyer.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = buyer.get_session_auth_hash()
    session.create()
    return session.session_key or ""


def timed_ok(client: Client, path: str) -> float:
    status, _data, seconds = client.timed("GET", path)
    if status != 200:
        raise RuntimeError(f"GET {path}: HTTP {status}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300, help="per scenario and page")
    args = parser.parse_args()

    bindir = postgres_bindir()
    if bindir is None:
        print("PostgreSQL is not installed", file=sys.stderr)
        return 1
    with PostgresCluster(bindir) as cluster:
        setup_django(cluster.url)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        build_catalog(args.offers, random.Random(2026))
        print(f"catalog: {args.offers} offers built in {time.perf_counter() - started:.1f}s")
        session_key = buyer_session()

        port = free_port()
        server = start_gunicorn(cluster.url, port)
        try:
            api = Client(port)
            web = Client(port)
            web.headers = {"Cookie": f"sessionid={session_key}"}
            print(f"load average before: {os.getloadavg()[0]:.2f}")
            print(
                f"{'scenario':22} {'API p50':>8} {'API p95':>8} {'web p50':>8} {'web p95':>8} "
                f"{'web/API p50':>11}"
            )
            for name, params in SCENARIOS.items():
                api_path = f"/api/v1/products?{urlencode({**params, 'page_size': 20})}"
                web_path = f"/?{urlencode(params)}"
                if b"Log out" not in _body(web, web_path):
                    raise RuntimeError("the web page is not served to a logged-in buyer")
                for _ in range(10):
                    timed_ok(api, api_path)
                    timed_ok(web, web_path)
                api_times, web_times = [], []
                for _ in range(args.requests):
                    api_times.append(timed_ok(api, api_path))
                    web_times.append(timed_ok(web, web_path))
                api_p50, web_p50 = (
                    percentile(api_times, 0.5) * 1000,
                    percentile(web_times, 0.5) * 1000,
                )
                print(
                    f"{name:22} {api_p50:8.1f} {percentile(api_times, 0.95) * 1000:8.1f} "
                    f"{web_p50:8.1f} {percentile(web_times, 0.95) * 1000:8.1f} "
                    f"{web_p50 / api_p50:10.2f}×"
                )
            print(f"load average after: {os.getloadavg()[0]:.2f}")
        finally:
            stop(server)
    return 0


def _body(client: Client, path: str) -> bytes:
    client.connection.request("GET", path, headers=client.headers)
    response = client.connection.getresponse()
    return response.read()


if __name__ == "__main__":
    sys.exit(main())
