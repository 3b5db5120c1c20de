"""Price-list formats benchmark: the same N goods imported from YAML, CSV and XLSX, the
XLSX reader alone, and a preview against the real import of the same list.

    python bench/import_formats.py 100000                  # PostgreSQL (a throwaway cluster)
    python bench/import_formats.py 10000 --database sqlite

Each measurement runs in a fresh child process, so its peak RSS is its own:

- `read xlsx`: openpyxl in read-only mode iterating the sheet's rows (values only), what
  the import's reader costs at the least; measured before and after the imports, and the
  XLSX ratio taken against the mean of the two (the load of a shared machine moves);
- `import yaml|csv|xlsx`: the import service (`import_pricelist`: parse, check, apply),
  each a first import into a shop of its own; `re-import xlsx`: the same file again;
- `read sized`, `import sized`: the same XLSX as spreadsheet programs save it, its size
  (`<dimension>`) before the rows (openpyxl's write-only mode leaves it out, and without
  it openpyxl reads the whole sheet once more to find it), read and first imported;
- `preview new`: the YAML list previewed before its first import (what the import then
  does: create every good);
- `preview` then `import changed`: a list with 10 % of the goods changed (price or
  quantity) and 1 % dropped, previewed (`dry_run`) and then imported into the YAML shop.

It prints wall and CPU seconds (the child's and PostgreSQL's, and PostgreSQL's share), peak RSS and the ratios of
the targets, of CPU time and of wall time: XLSX import / XLSX read ≤ 1.5; CSV import /
YAML import ≤ 1; preview / the real import ≤ 0.5; peak RSS < 700 MB.
"""

import argparse
import csv
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from pricelist_generator import dump, generate  # noqa: E402
from support import postmaster_pid, process_tree_cpu_seconds, run_child  # noqa: E402

FIELDS = ["id", "category", "category_name", "model", "name", "price", "price_rrc", "quantity"]


def peak_rss_mb() -> float:
    """This process's own peak RSS: VmHWM belongs to the process image, whereas ru_maxrss
    keeps the parent's peak across fork and exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def flat_rows(document: dict) -> tuple[list[str], list[list]]:
    names = {category["id"]: category["name"] for category in document["categories"]}
    parameters: dict[str, None] = {}
    for good in document["goods"]:
        parameters.update(dict.fromkeys(good["parameters"]))
    header = FIELDS + [f"param:{name}" for name in parameters]
    rows = [
        [
            good["id"],
            good["category"],
            names[good["category"]],
            good["model"],
            good["name"],
            good["price"],
            good["price_rrc"],
            good["quantity"],
            *(_text(good["parameters"].get(name)) for name in parameters),
        ]
        for good in document["goods"]
    ]
    return header, rows


def _text(value) -> str:
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else str(value)


def write_xlsx(path: Path, rows: list[list], *, sized: bool) -> None:
    """One sheet of `rows`: by openpyxl's write-only mode (no <dimension>), or `sized`, by
    its normal mode, which writes the sheet's size before the rows."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=not sized)
    sheet = workbook.active if sized else workbook.create_sheet()
    sheet.title = "price list"
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def write_files(goods: int, workdir: Path) -> dict[str, Path]:
    document = generate(goods)
    paths = {fmt: workdir / f"goods.{fmt}" for fmt in ("yaml", "csv", "xlsx")}
    paths["yaml"].write_text(dump(document), encoding="utf-8")
    header, rows = flat_rows(document)
    with paths["csv"].open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    write_xlsx(paths["xlsx"], [header, *rows], sized=False)
    # The same sheet as spreadsheet programs save it, with its size (<dimension>) up front:
    # openpyxl's write-only mode leaves it out, and a reader without it goes through the
    # whole sheet once to find it before reading the rows.
    paths["sized"] = workdir / "goods-sized.xlsx"
    write_xlsx(paths["sized"], [header, *rows], sized=True)
    changed = generate(goods)
    for index, good in enumerate(changed["goods"]):
        if index % 10 == 0:
            good["price"] += 1
        elif index % 10 == 5:
            good["quantity"] += 1
    del changed["goods"][::100]
    paths["changed"] = workdir / "changed.yaml"
    paths["changed"].write_text(dump(changed), encoding="utf-8")
    return paths


def child(kind: str, path: str, supplier_email: str) -> None:
    """One measurement, printed as JSON."""
    if kind == "read-xlsx":
        from openpyxl import load_workbook

        started, cpu = time.perf_counter(), time.process_time()
        workbook = load_workbook(path, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        rows = sum(1 for _row in sheet.iter_rows(values_only=True))
        workbook.close()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(json.dumps({"seconds": seconds, "cpu": cpu, "rows": rows, "rss": peak_rss_mb()}))
        return
    import django

    django.setup()
    from django.conf import settings

    from procurement.accounts.models import User
    from procurement.pricelists.services import import_pricelist

    data = Path(path).read_bytes()
    settings.IMPORT_MAX_BYTES = max(settings.IMPORT_MAX_BYTES, len(data))
    supplier = User.objects.get(email=supplier_email)
    started, cpu = time.perf_counter(), time.process_time()
    result = import_pricelist(
        supplier=supplier, data=data, source=path, filename=path, dry_run=kind == "preview"
    )
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": cpu,
                "rss": peak_rss_mb(),
                "counts": [result.created, result.updated, result.withdrawn],
            }
        )
    )


DATABASE_PROCESS: list[int] = []  # the postmaster, whose backends do the database's work


def measure(kind: str, path: Path, email: str = "") -> dict:
    """One measurement in a child process; `cpu` adds the database's CPU meanwhile."""
    database_before = sum(process_tree_cpu_seconds(pid) for pid in DATABASE_PROCESS)
    figure = run_child(__file__, kind, str(path), email)
    database = sum(process_tree_cpu_seconds(pid) for pid in DATABASE_PROCESS) - database_before
    figure["cpu"] += database
    figure["database"] = database
    return figure


def run(goods: int, database_url: str, workdir: Path) -> None:
    os.environ.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from procurement.accounts.models import User, UserType

    call_command("migrate", verbosity=0)
    for fmt in ("yaml", "csv", "xlsx", "sized"):
        User.objects.create_user(f"{fmt}@bench.example", "bench-Passw0rd", type=UserType.SHOP)
    connection.close()
    paths = write_files(goods, workdir)
    sizes = ", ".join(
        f"{fmt} {paths[fmt].stat().st_size / 1e6:.1f} MB" for fmt in ("yaml", "csv", "xlsx")
    )
    print(f"database: {connection.vendor}; {goods} goods; {sizes}")
    figures = {"read xlsx": measure("read-xlsx", paths["xlsx"])}
    figures["preview new"] = measure("preview", paths["yaml"], "yaml@bench.example")
    for fmt in ("yaml", "csv", "xlsx"):
        figures[f"import {fmt}"] = measure("import", paths[fmt], f"{fmt}@bench.example")
    figures["re-import xlsx"] = measure("import", paths["xlsx"], "xlsx@bench.example")
    # Read again after the imports: on a shared machine the load moves, and the ratio is
    # taken against the mean of the two reads around the XLSX imports.
    figures["read xlsx again"] = measure("read-xlsx", paths["xlsx"])
    figures["read sized"] = measure("read-xlsx", paths["sized"])
    figures["import sized"] = measure("import", paths["sized"], "sized@bench.example")
    figures["read sized again"] = measure("read-xlsx", paths["sized"])
    figures["preview"] = measure("preview", paths["changed"], "yaml@bench.example")
    figures["import changed"] = measure("import", paths["changed"], "yaml@bench.example")
    for label, figure in figures.items():
        counts = figure.get("counts", figure.get("rows"))
        print(
            f"{label:16} {figure['seconds']:7.2f} s wall  {figure['cpu']:7.2f} s CPU  "
            f"(PostgreSQL {figure['database']:5.2f})  peak RSS {figure['rss']:5.0f} MB  {counts}"
        )
    # Ratios of CPU seconds (the import's process and the database's: the work done, steady
    # on a shared machine) and of wall seconds (what the supplier waits for: a spreadsheet's
    # import keeps two cores busy, the reader and the database, so it is less than the CPU).
    for measure_name in ("cpu", "seconds"):
        print(f"ratios of {'CPU' if measure_name == 'cpu' else 'wall'} time:")
        value = {label: figure[measure_name] for label, figure in figures.items()}
        read = (value["read xlsx"] + value["read xlsx again"]) / 2
        print(f"  XLSX import / XLSX read:    {value['import xlsx'] / read:.2f} (target ≤ 1.5)")
        print(f"  XLSX re-import / XLSX read: {value['re-import xlsx'] / read:.2f}")
        read = (value["read sized"] + value["read sized again"]) / 2
        ratio = value["import sized"] / read
        print(f"  the same, sized sheet:      {ratio:.2f} (target ≤ 1.5)")
        ratio = value["import csv"] / value["import yaml"]
        print(f"  CSV import / YAML import:   {ratio:.2f} (target ≤ 1)")
        ratio = value["preview new"] / value["import yaml"]
        print(f"  preview / its import, a new list:     {ratio:.2f} (target ≤ 0.5)")
        ratio = value["preview"] / value["import changed"]
        print(f"  preview / its import, a changed list: {ratio:.2f} (target ≤ 0.5)")
    peak = max(figure["rss"] for label, figure in figures.items() if "read" not in label)
    print(f"largest peak RSS of an import: {peak:.0f} MB (target < 700)")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("goods", type=int)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-formats-") as workdir:
        if args.database == "postgres":
            from harness.postgres import PostgresCluster, postgres_bindir

            bindir = postgres_bindir()
            if bindir is None:
                sys.exit("PostgreSQL is not installed")
            with PostgresCluster(bindir) as cluster:
                DATABASE_PROCESS.append(postmaster_pid(cluster.datadir))
                run(args.goods, cluster.url, Path(workdir))
        else:
            run(args.goods, f"sqlite:///{workdir}/bench.sqlite3", Path(workdir))


if __name__ == "__main__":
    main()
