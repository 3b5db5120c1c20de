"""Catalog read benchmark: 100,000 offers in a throwaway PostgreSQL, served by gunicorn.

    .venv/bin/python bench/catalog.py [--offers 100000 [1000000 ...]] [--requests 300]
                                      [--concurrency 4] [--replica]

Builds the catalog with bulk_create, a chunk of products at a time (bounded memory),
starts gunicorn (2 workers, DEBUG off) on a free loopback port, then for each scenario: a
warm-up, a sequential run for latency (p50/p95) and a concurrent run for throughput.
Several sizes are measured one after the other in the same run, each in a process of its
own, and compared with the first. With --replica a streaming replica of the cluster is
started and the (anonymous) reads go to it. Everything it starts, it stops.
"""

import argparse
import contextlib
import json
import os
import random
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import Client, percentile, setup_django, start_gunicorn, stop

from harness.ports import free_port
from harness.postgres import PostgresCluster, PostgresReplica, postgres_bindir

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
SHARED_BUFFERS = "1GB"


def build_catalog(offer_count: int, rng: random.Random) -> None:
    """Shops, 20 categories, products each offered by every open shop, ~4 parameters an offer.

    Built a chunk of products at a time (their offers and parameter values with them), so
    the memory it takes does not grow with the size of the catalog.
    """
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
    products_per_chunk = BATCH // len(shops)
    for first in range(0, product_count, products_per_chunk):
        products = Product.objects.bulk_create(
            Product(
                name=f"{KINDS[n % len(KINDS)]} {rng.choice(BRANDS)} {chr(65 + n % 26)}{n} "
                f"({rng.choice(COLOURS)})",
                category=categories[n % len(categories)],
            )
            for n in range(first, min(first + products_per_chunk, product_count))
        )
        offers: list[Offer] = []
        values: list[list[tuple[Parameter, str]]] = []
        for n in range(first * len(shops), min((first + len(products)) * len(shops), offer_count)):
            product, shop = products[n // len(shops) - first], shops[n % len(shops)]
            chosen = rng.sample(parameters, 4)
            offer_values = [
                (parameter, _parameter_value(parameter.name, rng)) for parameter in chosen
            ]
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
        Offer.objects.bulk_create(offers)
        OfferParameter.objects.bulk_create(
            OfferParameter(offer=offer, parameter=parameter, value=value)
            for offer, offer_values in zip(offers, values, strict=True)
            for parameter, value in offer_values
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
    "price range": {"price_min": 1000, "price_max": 5000, "page_size": 20},
    "page 100 by price": {"ordering": "price", "page": 100, "page_size": 20},
}


def run(offers: int, requests: int, concurrency: int, *, replica: bool) -> dict:
    """Build a catalog of `offers` in a throwaway cluster, serve it, measure every scenario."""
    bindir = postgres_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL is not installed")
    # Shared buffers sized for the data, as a server holding a million offers would be
    # (their tables and indexes take about 450 MB): PostgreSQL's default 128 MB holds
    # 100,000 offers but not a million, which then measures the page cache, not the queries.
    with PostgresCluster(bindir, settings={"shared_buffers": SHARED_BUFFERS}) as cluster:
        setup_django(cluster.url)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        build_catalog(offers, random.Random(2026))
        built = {
            "offers": offers,
            "build_seconds": time.perf_counter() - started,
            # ru_maxrss is in KiB on Linux
            "build_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
        from django.db import connection

        connection.close()
        with contextlib.ExitStack() as stack:
            env = {}
            if replica:
                standby = stack.enter_context(PostgresReplica(bindir, primary_port=cluster.port))
                env["DATABASE_REPLICA_URLS"] = standby.url
            port = free_port()
            server = start_gunicorn(cluster.url, port, **env)
            stack.callback(stop, server)
            load_before = os.getloadavg()[0]
            results = {
                name: measure(port, f"/api/v1/products?{urlencode(params)}", requests, concurrency)
                for name, params in SCENARIOS.items()
            }
        return {**built, "load": [load_before, os.getloadavg()[0]], "results": results}


def print_run(run_result: dict, concurrency: int) -> None:
    print(
        f"catalog: {run_result['offers']} offers built in {run_result['build_seconds']:.1f} s "
        f"(PostgreSQL shared_buffers {SHARED_BUFFERS}), "
        f"peak RSS {run_result['build_peak_rss_mb']:.0f} MB; load average "
        f"{run_result['load'][0]:.2f} -> {run_result['load'][1]:.2f}"
    )
    print(
        f"{'GET /api/v1/products':26} {'p50 ms':>7} {'p95 ms':>7}  "
        f"{'req/s @' + str(concurrency):>9} {'p50 ms':>7} {'p95 ms':>7}"
    )
    for name, result in run_result["results"].items():
        print(
            f"{name:26} {result['p50']:7.1f} {result['p95']:7.1f}  "
            f"{result['rps']:9.1f} {result['loaded_p50']:7.1f} {result['loaded_p95']:7.1f}"
        )


def print_comparison(runs: list[dict]) -> None:
    """Each size against the first: p50 growth (target <= 1.5) and throughput kept (>= 0.67)."""
    base = runs[0]
    for other in runs[1:]:
        print(f"\n{other['offers']} offers against {base['offers']}, same run:")
        print(
            f"| `GET /api/v1/products?…` | p50 ms at {base['offers']:,} | p50 ms at "
            f"{other['offers']:,} | p50 × | req/s at {base['offers']:,} | req/s at "
            f"{other['offers']:,} | req/s × |"
        )
        print("|---|---|---|---|---|---|---|")
        for name, result in other["results"].items():
            was = base["results"][name]
            print(
                f"| {name} | {was['p50']:.1f} | {result['p50']:.1f} | "
                f"{result['p50'] / was['p50']:.2f} | {was['rps']:.1f} | {result['rps']:.1f} | "
                f"{result['rps'] / was['rps']:.2f} |"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--offers", type=int, nargs="+", default=[100_000], help="one catalog size or several"
    )
    parser.add_argument("--requests", type=int, default=300, help="per scenario and run")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--replica", action="store_true", help="serve the reads from a streaming replica"
    )
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if len(args.offers) == 1:
        result = run(args.offers[0], args.requests, args.concurrency, replica=args.replica)
        if args.json:
            print(json.dumps(result))
        else:
            print_run(result, args.concurrency)
        return 0
    # Several sizes: each in a process of its own (its own settings, its own peak RSS).
    runs = []
    for offers in args.offers:
        command = [
            sys.executable,
            __file__,
            "--offers",
            str(offers),
            "--requests",
            str(args.requests),
            "--concurrency",
            str(args.concurrency),
            "--json",
            *(["--replica"] if args.replica else []),
        ]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        runs.append(json.loads(output.strip().splitlines()[-1]))
        print_run(runs[-1], args.concurrency)
        print(flush=True)
    print_comparison(runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
