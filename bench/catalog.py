"""Catalog read benchmark: 100,000 offers in a throwaway PostgreSQL, served by gunicorn.

    .venv/bin/python bench/catalog.py [--offers 100000] [--requests 300] [--concurrency 4]

Builds the catalog with bulk_create, starts gunicorn (2 workers, DEBUG off) on a free
loopback port, then for each scenario: a warm-up, a sequential run for latency (p50/p95)
and a concurrent run for throughput. Everything it starts, it stops.
"""

import argparse
import os
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import Client, percentile, setup_django, start_gunicorn, stop

from harness.ports import free_port
from harness.postgres import PostgresCluster, postgres_bindir

KINDS = [
    "Смартфон", "Ноутбук", "Телевизор", "Чайник", "Пылесос", "Холодильник", "Наушники",
    "Планшет", "Монитор", "Принтер", "Микроволновка", "Утюг", "Фен", "Клавиатура",
    "Мышь", "Роутер", "Колонка", "Фотоаппарат", "Часы", "Кофеварка",
]  # fmt: skip
BRANDS = ["Apple", "Samsung", "Xiaomi", "Sony", "LG", "Philips", "Bosch", "Asus", "Lenovo", "HP"]
COLOURS = ["черный", "белый", "серебристый", "золотистый", "синий", "красный", "зеленый"]
PARAMETERS = ["Цвет", "Вес (г)", "Гарантия (мес)", "Страна", "Мощность (Вт)", "Материал"]
COUNTRIES = ["Китай", "Корея", "Япония", "Германия", "Вьетнам"]
SHOPS = [("Связной", True), ("М.Видео", True), ("Эльдорадо", True), ("DNS", True)]
CLOSED_SHOP = ("Закрытый магазин", False)
WITHDRAWN_SHARE = 0.03
BATCH = 5000


def build_catalog(offer_count: int, rng: random.Random) -> None:
    """Shops, 20 categories, products each offered by every open shop, ~4 parameters an offer."""
    from django.db import connection

    from procurement.accounts.models import User, UserType
    from procurement.catalog.models import (
        Category,
        Offer,
        OfferParameter,
        Parameter,
        Product,
        Shop,
    )
    from procurement.catalog.offers import search_text

    # Each shop has its supplier, as an imported one does: a shop without one takes no orders.
    suppliers = User.objects.bulk_create(
        User(email=f"supplier{n}@example.com", type=UserType.SHOP, is_active=True)
        for n in range(len(SHOPS) + 1)
    )
    shops = Shop.objects.bulk_create(
        Shop(name=name, accepts_orders=accepts_orders, user=supplier)
        for (name, accepts_orders), supplier in zip([*SHOPS, CLOSED_SHOP], suppliers, strict=True)
    )
    categories = Category.objects.bulk_create(
        Category(id=100 + n, name=f"{kind}ы") for n, kind in enumerate(KINDS)
    )
    for category in categories:
        category.shops.set(shops)
    parameters = Parameter.objects.bulk_create(Parameter(name=name) for name in PARAMETERS)

    product_count = -(-offer_count // len(shops))
    products = Product.objects.bulk_create(
        (
            Product(
                name=f"{KINDS[n % len(KINDS)]} {rng.choice(BRANDS)} {chr(65 + n % 26)}{n} "
                f"({rng.choice(COLOURS)})",
                category=categories[n % len(categories)],
            )
            for n in range(product_count)
        ),
        batch_size=BATCH,
    )

    offers: list[Offer] = []
    values: list[list[tuple[Parameter, str]]] = []
    for n in range(offer_count):
        product, shop = products[n // len(shops)], shops[n % len(shops)]
        chosen = rng.sample(parameters, 4)
        offer_values = [(parameter, _parameter_value(parameter.name, rng)) for parameter in chosen]
        model = f"{product.name.split()[1].lower()}/m-{n // len(shops)}"
        price = Decimal(rng.randint(500, 300_000))
        offers.append(
            Offer(
                product=product,
                shop=shop,
                external_id=n + 1,
                model=model,
                quantity=rng.choice([0, 1, 5, 10, 50]),
                price=price,
                price_rrc=price * Decimal("1.1"),
                is_withdrawn=rng.random() < WITHDRAWN_SHARE,
                search_text=search_text(
                    product_name=product.name,
                    model=model,
                    parameter_values=[v for _p, v in offer_values],
                ),
            )
        )
        values.append(offer_values)
    Offer.objects.bulk_create(offers, batch_size=BATCH)
    OfferParameter.objects.bulk_create(
        (
            OfferParameter(offer=offer, parameter=parameter, value=value)
            for offer, offer_values in zip(offers, values, strict=True)
            for parameter, value in offer_values
        ),
        batch_size=BATCH,
    )
    with connection.cursor() as cursor:
        # Fresh statistics and visibility map, as autovacuum would leave them on a live system.
        cursor.execute("VACUUM ANALYZE")


def _parameter_value(name: str, rng: random.Random) -> str:
    if name == "Цвет":
        return rng.choice(COLOURS)
    if name == "Страна":
        return rng.choice(COUNTRIES)
    if name == "Материал":
        return rng.choice(["пластик", "металл", "стекло"])
    return str(rng.randint(1, 3000))


def measure(port: int, path: str, requests: int, concurrency: int) -> dict:
    client = Client(port)
    for _ in range(10):
        _timed_ok(client, path)
    sequential = [_timed_ok(client, path) for _ in range(requests)]

    clients = [Client(port) for _ in range(concurrency)]
    per_client = -(-requests // concurrency)
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        runs = pool.map(lambda c: [_timed_ok(c, path) for _ in range(per_client)], clients)
        loaded = [seconds for run in runs for seconds in run]
    elapsed = time.perf_counter() - started
    return {
        "p50": percentile(sequential, 0.50) * 1000,
        "p95": percentile(sequential, 0.95) * 1000,
        "rps": len(loaded) / elapsed,
        "loaded_p50": percentile(loaded, 0.50) * 1000,
        "loaded_p95": percentile(loaded, 0.95) * 1000,
    }


def _timed_ok(client: Client, path: str) -> float:
    status, _data, seconds = client.timed("GET", path)
    if status != 200:
        raise RuntimeError(f"GET {path}: HTTP {status}")
    return seconds


SCENARIOS = {
    "(a) page of 20": {"page_size": 20},
    "(b) search, common word": {"search": "чайник", "page_size": 20},
    "search, rare word": {"search": "m-2024", "page_size": 20},
    "category filter": {"category_id": 105, "page_size": 20},
    "page 100 by price": {"ordering": "price", "page": 100, "page_size": 20},
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300, help="per scenario and run")
    parser.add_argument("--concurrency", type=int, default=4)
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

        port = free_port()
        server = start_gunicorn(cluster.url, port)
        try:
            print(f"load average before: {os.getloadavg()[0]:.2f}")
            print(
                f"{'GET /api/v1/products':26} {'p50 ms':>7} {'p95 ms':>7}  "
                f"{'req/s @' + str(args.concurrency):>9} {'p50 ms':>7} {'p95 ms':>7}"
            )
            for name, params in SCENARIOS.items():
                path = f"/api/v1/products?{urlencode(params)}"
                result = measure(port, path, args.requests, args.concurrency)
                print(
                    f"{name:26} {result['p50']:7.1f} {result['p95']:7.1f}  "
                    f"{result['rps']:9.1f} {result['loaded_p50']:7.1f} {result['loaded_p95']:7.1f}"
                )
            print(f"load average after: {os.getloadavg()[0]:.2f}")
        finally:
            stop(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
