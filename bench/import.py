"""Price-list import benchmark: first import and re-import of N generated goods.

    python bench/import.py 100000 --database postgres
    python bench/import.py 10000 --database sqlite
    python bench/import.py 100000 --database postgres --existing 900000

Prints, for the first import and the re-import: seconds, goods per second, SQL statements,
and the peak RSS of this process; and the pure `yaml.load(..., Loader=yaml.CSafeLoader)` time
of the same file (measured in a child process, so its memory does not count here).
For postgres a throwaway cluster is started (harness.postgres) and migrated.

With --existing N (PostgreSQL) it compares, in the same run, the first import of the file
into an empty catalog with the first import of the same file into a catalog already
holding N offers of other shops (built as bench/catalog.py builds its catalog), each in a
database of its own in the same cluster.
"""

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PARSE_ONLY = (
    "import sys, time, yaml\n"
    "data = open(sys.argv[1], 'rb').read()\n"
    "started = time.perf_counter()\n"
    "yaml.load(data, Loader=yaml.CSafeLoader)\n"
    "print(time.perf_counter() - started)\n"
)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_price_list(goods: int, workdir: Path) -> tuple[Path, bytes]:
    """The generated list of `goods`, written to a file, and the import's size limit
    raised to let it in."""
    from django.conf import settings

    path = workdir / f"goods-{goods}.yaml"
    with path.open("wb") as stream:
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "pricelist_generator.py"), str(goods)],
            stdout=stream,
            check=True,
        )
    data = path.read_bytes()
    settings.IMPORT_MAX_BYTES = len(data)
    return path, data


def run(goods: int, database_url: str, workdir: Path) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from procurement.accounts.models import User, UserType
    from procurement.pricelists.services import import_pricelist

    call_command("migrate", verbosity=0)
    path, data = write_price_list(goods, workdir)
    parse_seconds = float(
        subprocess.run(
            [sys.executable, "-c", PARSE_ONLY, str(path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    supplier = User.objects.create_user(
        f"bench-{time.time_ns()}@example.com", "bench-Passw0rd", type=UserType.SHOP
    )
    print(f"database: {connection.vendor}; {goods} goods; file {len(data) / 1e6:.1f} MB")
    print(f"pure yaml.CSafeLoader parse: {parse_seconds:.2f} s")
    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    for label in ("first import", "re-import"):
        statements = 0
        started = time.perf_counter()
        with connection.execute_wrapper(count):
            result = import_pricelist(
                supplier=supplier, data=data, source=path.name, filename=path.name
            )
        seconds = time.perf_counter() - started
        print(
            f"{label}: {seconds:.2f} s, {goods / seconds:,.0f} goods/s, {statements} SQL statements, "
            f"{seconds / parse_seconds:.2f}x the CSafeLoader parse, peak RSS {peak_rss_mb():.0f} MB "
            f"(created {result.created}, updated {result.updated}, withdrawn {result.withdrawn})"
        )


def run_beside(goods: int, existing: int, database_url: str, workdir: Path) -> None:
    """The first import of the same file into an empty catalog and into one holding
    `existing` offers of other shops, each in a fresh database of the same cluster."""
    import psycopg

    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from procurement.accounts.models import User, UserType
    from procurement.pricelists.services import import_pricelist

    sys.path.insert(0, str(ROOT / "bench"))
    from catalog import build_catalog

    path, data = write_price_list(goods, workdir)
    print(f"{goods} goods; file {len(data) / 1e6:.1f} MB")
    seconds = {}
    for offers in (0, existing):
        name = f"bench_{offers}"
        with psycopg.connect(database_url, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        connection.close()
        connection.settings_dict["NAME"] = name
        call_command("migrate", verbosity=0)
        if offers:
            started = time.perf_counter()
            build_catalog(offers, random.Random(2026))
            print(
                f"catalog of {offers} offers of other shops built in "
                f"{time.perf_counter() - started:.0f} s, peak RSS {peak_rss_mb():.0f} MB"
            )
        supplier = User.objects.create_user(
            f"bench-{time.time_ns()}@example.com", "bench-Passw0rd", type=UserType.SHOP
        )
        started = time.perf_counter()
        result = import_pricelist(
            supplier=supplier, data=data, source=path.name, filename=path.name
        )
        seconds[offers] = time.perf_counter() - started
        print(
            f"first import beside {offers} offers: {seconds[offers]:.2f} s, "
            f"{goods / seconds[offers]:,.0f} goods/s, peak RSS {peak_rss_mb():.0f} MB "
            f"(created {result.created})",
            flush=True,
        )
    print(
        f"beside {existing} offers / into an empty catalog: "
        f"{seconds[existing] / seconds[0]:.2f}x (target <= 1.5x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("goods", type=int)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--existing", type=int, default=0, help="offers of other shops already in the catalog"
    )
    args = parser.parse_args()
    if args.existing and args.database != "postgres":
        sys.exit("--existing needs --database postgres")
    with tempfile.TemporaryDirectory(prefix="bench-import-") as workdir:
        if args.database == "postgres" and args.existing:
            from harness.postgres import PostgresCluster, postgres_bindir

            bindir = postgres_bindir()
            if bindir is None:
                sys.exit("PostgreSQL is not installed")
            with PostgresCluster(bindir) as cluster:
                run_beside(args.goods, args.existing, cluster.url, Path(workdir))
        elif args.database == "postgres":
            from harness.postgres import PostgresCluster, postgres_bindir

            bindir = postgres_bindir()
            if bindir is None:
                sys.exit("PostgreSQL is not installed")
            with PostgresCluster(bindir) as cluster:
                run(args.goods, cluster.url, Path(workdir))
        else:
            run(args.goods, f"sqlite:///{workdir}/bench.sqlite3", Path(workdir))


if __name__ == "__main__":
    main()
