"""Spreadsheet price lists (CSV, XLSX) → the same document as a YAML one, and back.

One row per good under a header row: `id`, `category`, `category_name`, `model`, `name`,
`price`, `price_rrc`, `quantity`, then one column per parameter, `param:<name>` (an empty
cell: the good has no such parameter). The shop's name is not in a spreadsheet: the shop
keeps its own (a first import names it after the supplier's company).

XLSX is read with openpyxl in read-only mode, which streams the sheet's XML row by row, and
with `data_only`: a formula is never evaluated, its value is the one the spreadsheet program
saved with it (a formula saved without a value is an empty cell). Before openpyxl sees the
file, its zip directory is checked: the uncompressed size and the compression ratio of each
part are bounded, so a zip bomb is refused unread. Only a workbook of one sheet is read,
only the columns of the header row, and at most MAX_COLUMNS of them.

CSV is read as UTF-8 (with or without a byte-order mark), or else as cp1251; `;` or `,`
separate its fields, whichever the header row uses. A spreadsheet program opening a CSV file
takes a field starting with `=`, `+`, `-` or `@` for a formula (`=HYPERLINK(…)`, or a command
in some): the export puts an apostrophe before such text, which the program shows as text and
keeps out of the cell's value, and the import takes one apostrophe off again, so a CSV file
round-trips exactly whether it was saved by a spreadsheet program or edited as text.
"""

import csv
import io
import math
import re
import zipfile
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import ParseError

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from procurement.pricelists.errors import ImportFailed, Locations, Problem

FIELDS = ("id", "category", "category_name", "model", "name", "price", "price_rrc", "quantity")
REQUIRED = frozenset(FIELDS) - {"model"}
PARAMETER = "param:"
MAX_COLUMNS = 1000
_WHOLE = frozenset({"id", "category", "quantity"})
# Text a spreadsheet would read as a formula, after any apostrophes: the export quotes it with
# one more (`'=…`), so text that starts with apostrophes already is told apart on the way back.
_FORMULA_START = re.compile(r"'*[=+\-@\t\r]")
_MONEY = frozenset({"price", "price_rrc"})
_TEXT = frozenset({"category_name", "model", "name"})
_CENT = Decimal("0.01")


class SheetRefused(ImportFailed):
    def __init__(self, message: str, *, problems: list[Problem] | None = None):
        super().__init__(message, problems=problems)


def read_csv(data: bytes) -> tuple[dict[str, Any], Locations]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1251", errors="replace")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = (
            (number, [_csv_field(field) for field in row])
            for number, row in enumerate(reader, start=1)
        )
        return _document(rows, locations=Locations(unit="row"), letters=False)
    except csv.Error as error:
        raise SheetRefused(
            _("Not valid CSV: %(problem)s") % {"problem": error},
            problems=[{"row": reader.line_num, "error": str(error)}],
        ) from None


def read_xlsx(data: bytes) -> tuple[dict[str, Any], Locations]:
    _check_zip(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, ParseError):
        raise SheetRefused(_("Not a valid XLSX file.")) from None
    try:
        if len(workbook.worksheets) != 1:
            raise SheetRefused(
                _(
                    "The workbook has more than one sheet (%(count)d): put the price list on one sheet."
                )
                % {"count": len(workbook.worksheets)}
            )
        sheet = workbook.worksheets[0]
        # The sheet's own dimension is not trusted: it would pad every row to its width.
        sheet.reset_dimensions()
        header = _trimmed(next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ()))
        _check_width(header)
        rows = sheet.iter_rows(min_row=2, max_col=max(len(header), 1), values_only=True)
        numbered = ((number, row) for number, row in enumerate(rows, start=2))
        return _document(
            _with_header(header, numbered), locations=Locations(unit="row"), letters=True
        )
    except (KeyError, ValueError, ParseError, zipfile.BadZipFile):
        raise SheetRefused(_("Not a valid XLSX file.")) from None
    finally:
        workbook.close()


def csv_text(value: str) -> str:
    """Text as the CSV export writes it: quoted with an apostrophe where a spreadsheet
    program would take it for a formula."""
    return "'" + value if _FORMULA_START.match(value) else value


def _csv_field(field: str) -> str:
    """A CSV field as the text it stands for: the export's apostrophe taken off."""
    return field[1:] if field[:1] == "'" and _FORMULA_START.match(field, 1) else field


def _with_header(header: tuple, rows: Iterator[tuple[int, tuple]]) -> Iterator[tuple[int, Any]]:
    yield 1, header
    yield from rows


def _trimmed(row: Iterable[Any]) -> tuple:
    values = list(row)
    while values and values[-1] in (None, ""):
        values.pop()
    return tuple(values)


def _check_width(header: tuple) -> None:
    if len(header) > MAX_COLUMNS:
        raise SheetRefused(
            _("The header row has %(count)d columns; at most %(max)d are allowed.")
            % {"count": len(header), "max": MAX_COLUMNS}
        )


def _check_zip(data: bytes) -> None:
    """Refuse an archive whose parts would unpack beyond the limits, before reading any."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise SheetRefused(_("Not a valid XLSX file.")) from None
    limit = settings.IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES
    ratio = settings.IMPORT_XLSX_MAX_RATIO
    if sum(part.file_size for part in parts) > limit:
        raise SheetRefused(
            _("The spreadsheet unpacks to more than %(limit)d bytes.") % {"limit": limit}
        )
    for part in parts:
        # Small parts may compress well; a ratio only says something about large ones.
        if part.file_size > 1_000_000 and part.file_size > ratio * max(part.compress_size, 1):
            raise SheetRefused(
                _("The spreadsheet is compressed more than %(ratio)d to 1: it is refused.")
                % {"ratio": ratio}
            )


def _document(
    rows: Iterable[tuple[int, Any]], *, locations: Locations, letters: bool
) -> tuple[dict[str, Any], Locations]:
    """The rows of a sheet (the header first) → the price-list document and its locations."""
    iterator = iter(rows)
    first = next(iterator, None)
    heading = _trimmed(first[1]) if first else ()
    _check_width(heading)
    header = [_heading(value) for value in heading]
    if not header:
        raise SheetRefused(_("The sheet is empty: expected a header row and one row per good."))
    problems: list[Problem] = []
    columns: dict[str, int] = {}
    parameters: list[tuple[int, str]] = []
    for index, name in enumerate(header):
        where = _column_name(index, letters)
        if name.startswith(PARAMETER) and name[len(PARAMETER) :].strip():
            parameters.append((index, name[len(PARAMETER) :].strip()))
        elif name.lower() in FIELDS and name.lower() not in columns:
            columns[name.lower()] = index
        else:
            problems.append(
                {
                    "row": 1,
                    "column": where,
                    "error": _("Unknown column “%(name)s”.") % {"name": name},
                }
            )
    missing = sorted(REQUIRED - set(columns))
    for name in missing:
        problems.append({"row": 1, "error": _("Column “%(name)s” is missing.") % {"name": name}})
    if problems:
        raise SheetRefused(_("The header row is not valid."), problems=_cells(problems, letters))
    if letters:
        letter = {name: get_column_letter(index + 1) for name, index in columns.items()}
        for name in FIELDS:
            if name in letter and name != "category_name":
                locations.columns["goods", name] = letter[name]
        locations.columns["categories", "id"] = letter["category"]
        locations.columns["categories", "name"] = letter["category_name"]

    goods: list[dict[str, Any]] = []
    categories: dict[Any, str] = {}
    category_rows: list[int] = []
    good_rows: list[int] = []
    # Each column's conversion is chosen once, not per cell; short rows are padded once.
    fields = [
        (name, index, _CONVERSIONS[name])
        for name, index in columns.items()
        if name != "category_name"
    ]
    name_at = columns["category_name"]
    width = max([*columns.values(), *(index for index, _name in parameters)]) + 1
    for number, raw in iterator:
        row = raw if len(raw) >= width else (*raw, *(None,) * (width - len(raw)))
        if row.count(None) + row.count("") == len(row):
            continue
        good: dict[str, Any] = {}
        for field_name, index, convert in fields:
            value = row[index]
            if value is not None and (value := convert(value)) is not None:
                good[field_name] = value
        category = good.get("category")
        category_name = row[name_at]
        if category_name is not None:
            category_name = _text_cell(category_name)
        if type(category) is int and category not in categories:
            if category_name is None:
                problems.append(
                    {
                        "row": number,
                        "field": "category_name",
                        "error": _("This field is required."),
                        "column": _column_name(name_at, letters),
                    }
                )
            else:
                categories[category] = category_name
                category_rows.append(number)
        elif type(category) is int and category_name not in (None, categories[category]):
            problems.append(
                {
                    "row": number,
                    "field": "category_name",
                    "column": _column_name(name_at, letters),
                    "error": _("Category %(id)d is named “%(name)s” in an earlier row.")
                    % {"id": category, "name": categories[category]},
                }
            )
        values: dict[str, Any] = {}
        for index, name in parameters:
            value = row[index]
            if value is not None and (value := _parameter(value)) is not None:
                values[name] = value
        good["parameters"] = values
        goods.append(good)
        good_rows.append(number)
    if problems:
        raise SheetRefused(_("The price list is not valid."), problems=_cells(problems, letters))
    locations.items = {"goods": good_rows, "categories": category_rows}
    document = {
        "categories": [{"id": key, "name": name} for key, name in categories.items()],
        "goods": goods,
    }
    return document, locations


def _column_name(index: int, letters: bool) -> str:
    return get_column_letter(index + 1) if letters else str(index + 1)


def _cells(problems: list[Problem], letters: bool) -> list[Problem]:
    """In a spreadsheet, a problem's row and column become its cell."""
    if not letters:
        return problems
    return [
        {**problem, "cell": f"{problem['column']}{problem['row']}"}
        if "column" in problem
        else problem
        for problem in problems
    ]


def _heading(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _stripped(value: Any) -> Any:
    """A text cell without its surrounding blanks; a blank one is empty (None)."""
    if isinstance(value, str):
        return value.strip() or None
    return value


def _whole_cell(value: Any) -> Any:
    value = _stripped(value)
    return None if value is None else _whole(value)


def _money_cell(value: Any) -> Any:
    value = _stripped(value)
    return None if value is None else _money(value)


def _text_cell(value: Any) -> Any:
    value = _stripped(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(_whole(value))  # a model or name the spreadsheet took for a number
    return value


def _whole(value: Any) -> Any:
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(value)
    if isinstance(value, str) and value.isascii() and value.isdecimal():
        return int(value)
    return value


def _money(value: Any) -> Any:
    if isinstance(value, float) and math.isfinite(value):
        amount = Decimal(repr(value))
        # A spreadsheet's binary fractions (12.3 × 3 = 36.900000000000006): the cent it meant.
        rounded = amount.quantize(_CENT)
        return rounded if abs(amount - rounded) < Decimal("1e-6") else amount
    if isinstance(value, str):
        text = value.replace("\u00a0", "").replace(" ", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            return value
        return amount if amount.is_finite() else value
    return value


def _parameter(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(value)
    return value


_CONVERSIONS = {
    **dict.fromkeys(_WHOLE, _whole_cell),
    **dict.fromkeys(_MONEY, _money_cell),
    **dict.fromkeys(_TEXT, _text_cell),
}
