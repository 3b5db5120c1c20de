"""Price-list import benchmark: first import and re-import of N generated goods.

    python bench/import.py 100000 --database postgres
    python bench/import.py 10000 --database sqlite

Prints, for the first import and the re-import: seconds, goods per second, SQL statements,
and the peak RSS of this process; and the pure `yaml.load(..., Loader=yaml.CSafeLoader)` time
of the same file (measured in a child process, so its memory does not count here).
For postgres a throwaway cluster is started (harness.postgres) and migrated.
"""

import argparse
import os
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


def run(goods: int, database_url: str, workdir: Path) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from procurement.accounts.models import User, UserType
    from procurement.pricelists.services import import_pricelist

    call_command("migrate", verbosity=0)
    path = workdir / f"goods-{goods}.yaml"
    with path.open("wb") as stream:
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "pricelist_generator.py"), str(goods)],
            stdout=stream,
            check=True,
        )
    data = path.read_bytes()
    settings.IMPORT_MAX_BYTES = len(data)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("goods", type=int)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as workdir:
        if args.database == "postgres":
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
