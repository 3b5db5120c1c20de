"""Checkout under contention: concurrent buyers confirming orders for the same few offers.

    .venv/bin/python bench/checkout.py [--buyers 8] [--orders 150] [--web-workers N]
                                       [--worker-during] [--pgbouncer]

A throwaway PostgreSQL cluster, gunicorn (one worker per core unless told) and Redis on
loopback. Every concurrent buyer confirms --orders baskets, each holding two of ten hot
offers, through POST /api/v1/order. Prints confirmations per second and the latency of a
confirmation, and checks that the stock taken equals the units ordered.

The emails of the orders wait in Redis while the buyers confirm: a Celery worker is not
part of a checkout, and in production it runs on machines of its own. Then one worker
starts, sends them all to a capturing SMTP server, and its time and CPU are printed.
With --worker-during it sends them during the run instead, sharing these cores. With
--pgbouncer the web and the worker reach PostgreSQL through PgBouncer in transaction mode.
"""

import argparse
import os
import random
import sys
import threading
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import Client, CpuMeter, loopback_stack, percentile

HOT_OFFERS = 5
STOCK = 10_000_000


def build_fixture(buyers: int, orders: int, rng: random.Random) -> list[list[tuple]]:
    """Per concurrent buyer, `orders` accounts with a filled basket: (token, basket id, contact id)."""
    from procurement.accounts.models import Contact, User, UserType
    from procurement.accounts.tokens import issue_api_token
    from procurement.catalog.models import Category, Offer, Product, Shop
    from procurement.orders.models import Order, OrderItem

    category = Category.objects.create(id=1, name="Смартфоны")
    offers = []
    for shop_number in range(2):
        supplier = User.objects.create_user(
            email=f"supplier{shop_number}@example.com", type=UserType.SHOP, is_active=True
        )
        shop = Shop.objects.create(name=f"Shop {shop_number}", user=supplier)
        for n in range(HOT_OFFERS):
            product, _ = Product.objects.get_or_create(name=f"Phone {n}", category=category)
            offers.append(
                Offer.objects.create(
                    product=product,
                    shop=shop,
                    external_id=n + 1,
                    model=f"m{n}",
                    quantity=STOCK,
                    price=1000 + n,
                    price_rrc=1100 + n,
                    search_text=f"phone {n}",
                )
            )
    users = User.objects.bulk_create(
        User(email=f"buyer{n}@example.com", is_active=True) for n in range(buyers * orders)
    )
    contacts = Contact.objects.bulk_create(
        Contact(user=user, city="Moscow", street="Tverskaya", phone="1") for user in users
    )
    tokens = [issue_api_token(user=user) for user in users]
    baskets = Order.objects.bulk_create(Order(user=user) for user in users)
    OrderItem.objects.bulk_create(
        OrderItem(order=basket, offer=offer, quantity=1)
        for basket in baskets
        for offer in rng.sample(offers, 2)
    )
    accounts = [
        (token, basket.pk, contact.pk)
        for token, basket, contact in zip(tokens, baskets, contacts, strict=True)
    ]
    return [accounts[n::buyers] for n in range(buyers)]


def buyer_loop(port: int, accounts: list[tuple], start: threading.Barrier, results: list) -> None:
    client = Client(port)
    latencies, errors = [], 0
    start.wait()
    for token, basket_id, contact_id in accounts:
        client.headers["Authorization"] = f"Token {token}"
        status, _body, took = client.timed(
            "POST", "/api/v1/order", {"id": basket_id, "contact": contact_id}
        )
        if status == 200:
            latencies.append(took)
        else:
            errors += 1
    results.append((latencies, errors))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=8, help="concurrent buyers")
    parser.add_argument("--orders", type=int, default=150, help="confirmations per buyer")
    parser.add_argument("--web-workers", type=int, default=os.cpu_count())
    parser.add_argument(
        "--pgbouncer", action="store_true", help="web and worker through PgBouncer (transactions)"
    )
    parser.add_argument(
        "--worker-during", action="store_true", help="send the emails during the run"
    )
    args = parser.parse_args()

    prepare = partial(build_fixture, args.buyers, args.orders, random.Random(2026))
    with loopback_stack(
        prepare, web_workers=args.web_workers, worker=args.worker_during, pgbouncer=args.pgbouncer
    ) as (stack, per_buyer):
        results: list = []
        start = threading.Barrier(args.buyers + 1)
        threads = [
            threading.Thread(target=buyer_loop, args=(stack.port, accounts, start, results))
            for accounts in per_buyer
        ]
        for thread in threads:
            thread.start()
        meter = CpuMeter(stack.processes())
        meter.start()
        start.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        cpu = meter.stop()

        confirmations = [latency for latencies, _errors in results for latency in latencies]
        errors = sum(errors for _latencies, errors in results)
        from procurement.catalog.models import Offer
        from procurement.orders.models import Order, OrderItem

        ordered = sum(
            OrderItem.objects.filter(order__in=Order.placed.all()).values_list(
                "quantity", flat=True
            )
        )
        taken = sum(STOCK - stock for stock in Offer.objects.values_list("quantity", flat=True))
        print(
            f"{args.buyers} concurrent buyers, gunicorn workers {args.web_workers}, "
            f"celery worker {'on' if args.worker_during else 'off'} during the run, "
            f"{'through PgBouncer (transaction mode)' if args.pgbouncer else 'straight to PostgreSQL'}"
        )
        print(
            f"confirmations      {len(confirmations)} in {elapsed:.1f} s "
            f"({len(confirmations) / elapsed:.1f}/s)"
        )
        print(
            f"confirm latency    p50 {percentile(confirmations, 0.5) * 1000:.1f} ms  "
            f"p95 {percentile(confirmations, 0.95) * 1000:.1f} ms  "
            f"p99 {percentile(confirmations, 0.99) * 1000:.1f} ms"
        )
        print(f"errors             {errors}")
        cpu_text = per_confirmation(cpu, len(confirmations))
        print(f"CPU per confirmation: {cpu_text} (of {os.cpu_count()} cores)")
        print(
            f"stock taken {taken} == units ordered {ordered}: {'ok' if taken == ordered else 'MISMATCH'}"
        )
        send_the_emails(stack, len(confirmations))
    return 0 if taken == ordered and errors == 0 else 1


def per_confirmation(cpu: dict[str, float], confirmations: int) -> str:
    return ", ".join(
        f"{name} {seconds * 1000 / max(confirmations, 1):.1f} ms" for name, seconds in cpu.items()
    )


def send_the_emails(stack, confirmations: int) -> None:
    """Wait until every recorded email has reached the SMTP server, starting the worker
    first when it did not run during the run; print how long the sending took."""
    from procurement.notifications.models import OutboundEmail

    recorded = OutboundEmail.objects.count()
    timeout = max(60.0, recorded / 10)
    if stack.worker is not None:
        started = time.perf_counter()
        delivered = stack.smtp.wait_for(recorded, timeout=timeout)
        took = time.perf_counter() - started
        print(f"emails             {len(delivered)}, the last {took:.1f} s after the run")
        return
    stack.start_worker()
    stack.smtp.wait_for(1, timeout=60)  # the worker is up and sending
    meter = CpuMeter({"celery worker": stack.worker.pid})
    meter.start()
    started, first = time.perf_counter(), len(stack.smtp.messages)
    stack.smtp.wait_for(recorded, timeout=timeout)
    took = time.perf_counter() - started
    worker_cpu = meter.stop()["celery worker"]
    sent = recorded - first
    print(
        f"emails             {recorded}, sent after the run by one worker: {sent / took:.0f}/s, "
        f"worker CPU {worker_cpu * 1000 / sent:.1f} ms per email "
        f"({worker_cpu * 1000 * recorded / sent / confirmations:.1f} ms per confirmation)"
    )


if __name__ == "__main__":
    sys.exit(main())
