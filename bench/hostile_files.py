"""Hostile price lists under the upload limit: how long reading each takes, and the peak
memory of the process that reads it, beside lists of 100,000 real goods.

    python bench/hostile_files.py
    python bench/hostile_files.py --openpyxl-alone   # XLSX read by openpyxl without
                                                    # pricelists/workbook.py, as before it

Each file is read in a child process of its own, the way an import reads it before it
checks anything (`sheets.read_sheet` to its last item for CSV and XLSX,
`parse.read_document` for JSON and YAML), with the default limits. It prints the file's
size, the seconds, the child's peak RSS, and what came of it: the items read, or the
reason it was refused. The bound it shows: no file under IMPORT_MAX_BYTES makes a worker
hold more than the 700 MB a list of 100,000 goods may take.
"""

import csv
import io
import json
import os
import random
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_formats import FIELDS, flat_rows, peak_rss_mb, write_xlsx  # noqa: E402
from openpyxl.xml.constants import SHARED_STRINGS  # noqa: E402
from pricelist_generator import dump, generate  # noqa: E402
from support import run_child  # noqa: E402

SHEET = "xl/worksheets/sheet1.xml"


def one_good_workbook() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(FIELDS)
    workbook.active.append([1, 5, "Кабели", "", "Кабель", 10, 12, 3])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rewritten(change: Callable[[str, bytes], bytes], added: dict[str, Iterator[bytes]]) -> bytes:
    """The one-good workbook with its parts changed, and parts added (written a piece at a
    time, so that a part of hundreds of megabytes is not built in memory here)."""
    source = zipfile.ZipFile(io.BytesIO(one_good_workbook()))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in source.namelist():
            archive.writestr(name, change(name, source.read(name)))
        for name, pieces in added.items():
            with archive.open(name, "w") as part:
                for piece in pieces:
                    part.write(piece)
    return target.getvalue()


def shared_strings(count: int) -> bytes:
    """A workbook whose shared strings are `count` short numbers."""
    override = b'<Override PartName="/xl/sharedStrings.xml" ContentType="%s" />'

    def change(name: str, part: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return part.replace(b"</Types>", override % SHARED_STRINGS.encode() + b"</Types>")
        return part

    def table() -> Iterator[bytes]:
        yield b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        for start in range(0, count, 100_000):
            end = min(start + 100_000, count)
            yield b"".join(b"<si><t>%d</t></si>" % number for number in range(start, end))
        yield b"</sst>"

    return rewritten(change, {"xl/sharedStrings.xml": table()})


def sheet_with(xml: Callable[[], bytes]) -> bytes:
    """The one-good workbook with `xml()` put before the end of its rows."""
    return rewritten(
        lambda name, part: (
            part.replace(b"</sheetData>", xml() + b"</sheetData>") if name == SHEET else part
        ),
        {},
    )


def wide_row() -> bytes:
    values = random.Random(1)
    return (
        b'<row r="3">'
        + b"".join(b"<c><v>%d</v></c>" % values.randrange(10**6) for _ in range(3_000_000))
        + b"</row>"
    )


def empty_rows() -> bytes:
    return b"".join(b'<row r="%d"/>' % number for number in range(3, 2_000_003))


def files(workdir: Path) -> dict[str, Path]:
    """Each case's file, written into `workdir`."""
    document = generate(100_000)
    header, rows = flat_rows(document)
    made: dict[str, Callable[[Path], None]] = {
        "xlsx: 100,000 goods": lambda path: write_xlsx(path, [header, *rows], sized=True),
        "xlsx: 2.75 million shared strings, under the loading limit": lambda path: path.write_bytes(
            shared_strings(2_750_000)
        ),
        "xlsx: 7.6 million shared strings": lambda path: path.write_bytes(
            shared_strings(7_600_000)
        ),
        "xlsx: a row of 3 million cells": lambda path: path.write_bytes(sheet_with(wide_row)),
        "xlsx: 2 million empty rows": lambda path: path.write_bytes(sheet_with(empty_rows)),
        "csv: 100,000 goods": lambda path: write_csv(path, [header, *rows]),
        "csv: a line of 6.6 million fields": lambda path: path.write_text(
            ",".join(FIELDS) + "\n1,5,K,,N,10,12,3," + ",".join(["12"] * 6_600_000) + "\n"
        ),
        "yaml: 100,000 goods": lambda path: path.write_text(dump(document), encoding="utf-8"),
        "yaml: 6.6 million empty mappings": lambda path: path.write_text(
            "[" + ",".join(["{}"] * 6_600_000) + "]"
        ),
        "json: 6.6 million empty objects": lambda path: path.write_text(
            "[" + ",".join(["{}"] * 6_600_000) + "]"
        ),
    }
    paths = {}
    for number, (label, write) in enumerate(made.items()):
        paths[label] = workdir / f"{number}.{label.split(':')[0]}"
        write(paths[label])
    return paths


def write_csv(path: Path, rows: list[list]) -> None:
    with path.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows(rows)


def child(path: str, alone: bool) -> None:
    """Read one file as an import does (or an XLSX file with openpyxl `alone`), and print
    what came of it as JSON."""
    import django

    django.setup()
    from procurement.pricelists.errors import ImportFailed
    from procurement.pricelists.parse import read_document
    from procurement.pricelists.sheets import is_sheet, read_sheet

    data = Path(path).read_bytes()
    started = time.perf_counter()
    try:
        if alone and path.endswith(".xlsx"):
            outcome = f"read {openpyxl_rows(data)} rows"
        elif is_sheet(path, data):
            outcome = f"read {sum(1 for _item in read_sheet(data, path).items)} items"
        else:
            document, _locations = read_document(data, filename=path)
            outcome = f"read a {type(document).__name__} of {len(document)}"
    except ImportFailed as refused:
        outcome = "refused: " + (refused.problems[0].get("error") or refused.message)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "rss": peak_rss_mb(), "outcome": outcome}))


def openpyxl_rows(data: bytes) -> int:
    """The rows openpyxl alone reads, to the header's width, as the import did before
    `pricelists/workbook.py`."""
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    sheet.reset_dimensions()
    width = len(next(sheet.iter_rows(max_row=1, values_only=True)))
    return sum(1 for _row in sheet.iter_rows(max_col=width, values_only=True))


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3] == "alone")
        return
    alone = sys.argv[1:2] == ["--openpyxl-alone"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as workdir:
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/unused.sqlite3")
        paths = files(Path(workdir))
        for label, path in paths.items():
            if alone and not label.startswith("xlsx"):
                continue
            figure = run_child(__file__, str(path), "alone" if alone else "-")
            print(
                f"{label:60} {path.stat().st_size / 1e6:5.1f} MB  {figure['seconds']:6.1f} s  "
                f"peak RSS {figure['rss']:5.0f} MB  {figure['outcome'][:90]}"
            )


if __name__ == "__main__":
    main()
