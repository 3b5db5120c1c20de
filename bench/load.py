"""Load test: simulated buyers browsing, searching, filling baskets and confirming orders.

    .venv/bin/python bench/load.py [--buyers 50] [--seconds 60] [--think 0] [--goods 5000]
                                   [--web-workers N] [--pgbouncer]

Starts a throwaway PostgreSQL cluster, Redis, one Celery worker (emails to a capturing SMTP
server) and gunicorn (one worker per core unless told), all on loopback; imports two
generated price lists through the import service; then runs --buyers threads for
--seconds (it stops by itself) and prints requests/s, the error rate, p50/p95/p99 latency
per endpoint and the CPU each component used. Each buyer sends its next request as soon
as the last one is answered, or after a random pause of --think seconds on average
(exponentially distributed). With --pgbouncer the web and the worker reach PostgreSQL
through PgBouncer in transaction mode.
"""

import argparse
import os
import random
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

import yaml
from pricelist_generator import generate
from support import Client, CpuMeter, loopback_stack, percentile

SEARCH_WORDS = ["samsung", "черный", "телевизор", "apple", "512", "смартфон", "наушники", "lg"]


def build_fixture(goods: int, buyers: int) -> list[tuple[str, int]]:
    from procurement.accounts.models import Contact, User, UserType
    from procurement.accounts.tokens import issue_api_token
    from procurement.pricelists.services import import_pricelist

    for number in range(2):
        supplier = User.objects.create_user(
            email=f"supplier{number}@example.com", type=UserType.SHOP, is_active=True
        )
        document = generate(goods, seed=number + 1, shop=f"Shop {number}")
        for good in document["goods"]:
            good["quantity"] = 1_000_000  # stock for the whole run
        data = yaml.safe_dump(document, allow_unicode=True).encode()
        import_pricelist(supplier=supplier, data=data, source="generated")
    accounts = []
    for number in range(buyers):
        buyer = User.objects.create_user(email=f"buyer{number}@example.com", is_active=True)
        contact = Contact.objects.create(user=buyer, city="Moscow", street="Tverskaya", phone="1")
        accounts.append((issue_api_token(user=buyer), contact.pk))
    return accounts


class Recorder:
    def __init__(self, think: float, rng: random.Random):
        self.think = think
        self.rng = rng
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)

    def call(self, client: Client, name: str, method: str, path: str, body=None, ok=(200,)):
        if self.think:
            time.sleep(self.rng.expovariate(1 / self.think))
        try:
            status, data, took = client.timed(method, path, body)
        except OSError:  # refused, reset or timed out: an error of this endpoint
            status, data, took = 0, None, 0.0
        with self.lock:
            self.latencies[name].append(took)
            if status not in ok:
                self.errors[name] += 1
        return status, data


def buyer(port, token, contact_id, offer_ids, deadline, recorder: Recorder, seed):
    rng = random.Random(seed)
    client = Client(port, token)
    pages = min(50, max(1, len(offer_ids) // 20))  # of the first 50 pages, those that exist
    while time.monotonic() < deadline:
        page = rng.randint(1, pages)
        recorder.call(client, "GET /products (page)", "GET", f"/api/v1/products?page={page}")
        word = quote(rng.choice(SEARCH_WORDS))
        recorder.call(client, "GET /products?search", "GET", f"/api/v1/products?search={word}")
        offer_id = rng.choice(offer_ids)
        recorder.call(client, "GET /products/{id}", "GET", f"/api/v1/products/{offer_id}")
        lines = [
            {"product_info": o, "quantity": rng.randint(1, 3)} for o in rng.sample(offer_ids, 2)
        ]
        recorder.call(client, "POST /basket", "POST", "/api/v1/basket", {"items": lines}, ok=(201,))
        _status, basket = recorder.call(client, "GET /basket", "GET", "/api/v1/basket")
        if basket and basket["ordered_items"] and rng.random() < 0.3:
            line = basket["ordered_items"][0]["id"]
            recorder.call(
                client,
                "PUT /basket",
                "PUT",
                "/api/v1/basket",
                {"items": [{"id": line, "quantity": 1}]},
            )
        if basket and rng.random() < 0.5:
            recorder.call(
                client,
                "POST /order",
                "POST",
                "/api/v1/order",
                {"id": basket["id"], "contact": contact_id},
            )
            recorder.call(client, "GET /order", "GET", "/api/v1/order")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--think", type=float, default=0, help="mean pause before each request, seconds"
    )
    parser.add_argument("--goods", type=int, default=5000, help="per each of the two shops")
    parser.add_argument("--web-workers", type=int, default=os.cpu_count())
    parser.add_argument(
        "--pgbouncer", action="store_true", help="web and worker through PgBouncer (transactions)"
    )
    args = parser.parse_args()

    def prepare() -> tuple[list[tuple[str, int]], list[int]]:
        from procurement.catalog.models import Offer

        accounts = build_fixture(args.goods, args.buyers)
        return accounts, list(Offer.objects.values_list("id", flat=True))

    with loopback_stack(prepare, web_workers=args.web_workers, pgbouncer=args.pgbouncer) as (
        stack,
        (accounts, offer_ids),
    ):
        recorder = Recorder(args.think, random.Random(0))
        meter = CpuMeter(stack.processes())
        meter.start()
        deadline = time.monotonic() + args.seconds
        started = time.perf_counter()
        threads = [
            threading.Thread(
                target=buyer,
                args=(stack.port, token, contact_id, offer_ids, deadline, recorder, number),
                daemon=True,
            )
            for number, (token, contact_id) in enumerate(accounts)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + 60)
        elapsed = time.perf_counter() - started
        cpu = meter.stop()
        emails = len(stack.smtp.messages)

    total = sum(len(samples) for samples in recorder.latencies.values())
    errors = sum(recorder.errors.values())
    print(
        f"{args.buyers} buyers, think {args.think:g} s, {elapsed:.0f} s, gunicorn workers {args.web_workers}, "
        f"{'through PgBouncer, ' if args.pgbouncer else ''}"
        f"{2 * args.goods} offers; {total} requests, {total / elapsed:.1f} req/s, "
        f"errors {errors} ({100 * errors / max(total, 1):.2f}%), emails delivered {emails}"
    )
    print(
        f"| {'endpoint':24} | {'requests':>8} | {'req/s':>6} | {'errors':>6} | "
        f"{'p50 ms':>7} | {'p95 ms':>7} | {'p99 ms':>7} |"
    )
    print(f"|{'-' * 26}|{'-' * 10}|{'-' * 8}|{'-' * 8}|{'-' * 9}|{'-' * 9}|{'-' * 9}|")
    for name, samples in recorder.latencies.items():
        print(
            f"| {name:24} | {len(samples):8} | {len(samples) / elapsed:6.1f} | "
            f"{recorder.errors[name]:6} | {percentile(samples, 0.5) * 1000:7.1f} | "
            f"{percentile(samples, 0.95) * 1000:7.1f} | {percentile(samples, 0.99) * 1000:7.1f} |"
        )
    shares = ", ".join(f"{name} {100 * seconds / elapsed:.0f}%" for name, seconds in cpu.items())
    print(f"CPU used (100% = one core; {os.cpu_count()} cores): {shares}")
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
