"""Checkout under contention: concurrent buyers confirming orders for the same few offers.

    .venv/bin/python bench/checkout.py [--buyers 8] [--seconds 20] [--web-workers 4]

A throwaway PostgreSQL cluster, gunicorn on loopback, Redis with one Celery worker that
sends the order emails to a capturing SMTP server. Every buyer loops: add two hot offers
to the basket, read the basket id, confirm. Prints confirmations per second, latency of
the confirmation request, and checks that the stock taken equals the units ordered.
"""

import argparse
import random
import shutil
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import (
    Client,
    percentile,
    setup_django,
    start_celery_worker,
    start_gunicorn,
    stop,
)

from tests.support.ports import free_port
from tests.support.postgres import PostgresCluster, postgres_bindir
from tests.support.redis import RedisServer
from tests.support.smtp import CapturingSMTPServer

HOT_OFFERS = 5
STOCK = 10_000_000


def build_fixture(buyers: int) -> tuple[list[int], list[tuple[str, int]]]:
    from rest_framework.authtoken.models import Token

    from procurement.accounts.models import Contact, User, UserType
    from procurement.catalog.models import Category, Product, ProductInfo, Shop

    offer_ids = []
    category = Category.objects.create(id=1, name="Смартфоны")
    for shop_number in range(2):
        owner = User.objects.create_user(
            email=f"supplier{shop_number}@example.com",
            password="x",
            type=UserType.SHOP,
            is_active=True,
        )
        shop = Shop.objects.create(name=f"Shop {shop_number}", user=owner)
        for n in range(HOT_OFFERS):
            product, _ = Product.objects.get_or_create(name=f"Phone {n}", category=category)
            offer_ids.append(
                ProductInfo.objects.create(
                    product=product,
                    shop=shop,
                    external_id=n + 1,
                    model=f"m{n}",
                    quantity=STOCK,
                    price=1000 + n,
                    price_rrc=1100 + n,
                    search_text=f"phone {n}",
                ).pk
            )
    accounts = []
    for n in range(buyers):
        buyer = User.objects.create_user(
            email=f"buyer{n}@example.com", password="x", is_active=True
        )
        contact = Contact.objects.create(user=buyer, city="Moscow", street="Tverskaya", phone="1")
        accounts.append((Token.objects.create(user=buyer).key, contact.pk))
    return offer_ids, accounts


def buyer_loop(port, token, contact_id, offer_ids, deadline, results, seed):
    rng = random.Random(seed)
    client = Client(port, token)
    confirm_latencies, errors, other = [], 0, []
    while time.monotonic() < deadline:
        lines = [{"product_info": offer_id, "quantity": 1} for offer_id in rng.sample(offer_ids, 2)]
        status, _body, took = client.timed("POST", "/api/v1/basket", {"items": lines})
        other.append(took)
        status_get, basket, took = client.timed("GET", "/api/v1/basket")
        other.append(took)
        if status != 201 or status_get != 200:
            errors += 1
            continue
        status, _body, took = client.timed(
            "POST", "/api/v1/order", {"id": basket["id"], "contact": contact_id}
        )
        if status == 200:
            confirm_latencies.append(took)
        else:
            errors += 1
    results.append((confirm_latencies, errors, other))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--web-workers", type=int, default=4)
    args = parser.parse_args()

    bindir, redis_binary = postgres_bindir(), shutil.which("redis-server")
    if bindir is None or redis_binary is None:
        print("needs PostgreSQL and redis-server", file=sys.stderr)
        return 1
    smtp = CapturingSMTPServer().start()
    redis_server = RedisServer(redis_binary).start()
    with PostgresCluster(bindir) as cluster:
        setup_django(cluster.url, CELERY_BROKER_URL=redis_server.url)
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        offer_ids, accounts = build_fixture(args.buyers)
        connection.close()
        smtp_env = {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp.port)}
        worker = start_celery_worker(cluster.url, redis_server.url, **smtp_env)
        port = free_port()
        server = start_gunicorn(
            cluster.url,
            port,
            workers=args.web_workers,
            CELERY_BROKER_URL=redis_server.url,
            **smtp_env,
        )
        try:
            results: list = []
            deadline = time.monotonic() + args.seconds
            started = time.perf_counter()
            threads = [
                threading.Thread(
                    target=buyer_loop,
                    args=(port, token, contact_id, offer_ids, deadline, results, n),
                )
                for n, (token, contact_id) in enumerate(accounts)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
        finally:
            stop(server)
            time.sleep(2)  # let the worker drain what it holds
            stop(worker)

        confirmations = [latency for latencies, _e, _o in results for latency in latencies]
        errors = sum(errors for _l, errors, _o in results)
        other = [latency for _l, _e, latencies in results for latency in latencies]
        from procurement.catalog.models import ProductInfo
        from procurement.orders.models import OrderItem

        ordered = sum(
            OrderItem.objects.exclude(order__state="basket").values_list("quantity", flat=True)
        )
        taken = sum(
            STOCK - quantity for quantity in ProductInfo.objects.values_list("quantity", flat=True)
        )
        print(f"buyers {args.buyers}, gunicorn workers {args.web_workers}, {elapsed:.1f} s")
        print(f"confirmations      {len(confirmations)}  ({len(confirmations) / elapsed:.1f}/s)")
        print(
            f"confirm latency    p50 {percentile(confirmations, 0.5) * 1000:.1f} ms  "
            f"p95 {percentile(confirmations, 0.95) * 1000:.1f} ms  "
            f"p99 {percentile(confirmations, 0.99) * 1000:.1f} ms"
        )
        print(
            f"basket requests    p50 {percentile(other, 0.5) * 1000:.1f} ms  "
            f"p95 {percentile(other, 0.95) * 1000:.1f} ms"
        )
        print(f"errors             {errors}")
        print(
            f"stock taken {taken} == units ordered {ordered}: {'ok' if taken == ordered else 'MISMATCH'}"
        )
        print(
            f"emails delivered   {len(smtp.messages)} (of {3 * len(confirmations) + len(confirmations)} max)"
        )
    redis_server.stop()
    smtp.stop()
    return 0 if taken == ordered and errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
