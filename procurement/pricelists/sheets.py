"""Spreadsheet price lists (CSV, XLSX) → the same document as a YAML one, and back.

One row per good under a header row: `id`, `category`, `category_name`, `model`, `name`,
`price`, `price_rrc`, `quantity`, then one column per parameter, `param:<name>` (an empty
cell: the good has no such parameter). A row with nothing but `category` and `category_name`
lists a category without a good in it, as a YAML list's `categories` can. The shop's name
is not in a spreadsheet: the shop keeps its own (a first import names it after the
supplier's company).

XLSX is read with openpyxl in read-only mode, which streams the sheet's XML row by row, and
with `data_only`: a formula is never evaluated, its value is the one the spreadsheet program
saved with it (a formula saved without a value is an empty cell), its text as written, each
`_xHHHH_` escape in it a character (`workbook.unescaped`). `workbook.open_workbook`
bounds what openpyxl may hold in memory before it reads a byte. Only a workbook of one sheet
is read, only the columns of the header row, and at most MAX_COLUMNS of them.

CSV is read as UTF-16 after its byte-order mark, as UTF-8 (with or without one), or else as
cp1251; `,`, `;` or tabs separate its fields, whichever the header row uses most. A
spreadsheet program opening a CSV file takes a field starting with `=`, `+`, `-` or `@` for a
formula (`=HYPERLINK(…)`, or a command in some): the export puts an apostrophe before such
text, which the program shows as text and keeps out of the cell's value, and the import
takes one apostrophe off again, so a CSV file round-trips exactly whether it was saved by a
spreadsheet program or edited as text.
"""

import codecs
import csv
import datetime
import io
import math
import re
from collections.abc import Generator, Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from procurement.pricelists.errors import Locations, Problem, SheetRefused
from procurement.pricelists.parse import SpelledNumber, file_name
from procurement.pricelists.workbook import UNREADABLE, open_workbook, unescaped

FIELDS = ("id", "category", "category_name", "model", "name", "price", "price_rrc", "quantity")
REQUIRED = frozenset(FIELDS) - {"model"}
PARAMETER = "param:"
MAX_COLUMNS = 1000
# A CSV line: MAX_COLUMNS values of the longest text a parameter's value may have, and more.
MAX_LINE_CHARACTERS = 1_000_000
_WHOLE = frozenset({"id", "category", "quantity"})
# What a spreadsheet shows in a cell whose formula failed; an XLSX file keeps it as the
# cell's value, a CSV file it saved as its text. Never a price list's value.
SPREADSHEET_ERRORS = frozenset(
    {
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
        "#EXTERNAL!",
        "#PYTHON!",
    }
)
# Text a spreadsheet would read as a formula, after any apostrophes: the export quotes it with
# one more (`'=…`), so text that starts with apostrophes already is told apart on the way back.
_FORMULA_START = re.compile(r"'*[=+\-@\t\r]")
_MONEY = frozenset({"price", "price_rrc"})
_TEXT = frozenset({"category_name", "model", "name"})
_CENT = Decimal("0.01")


# One item of a price list as a sheet's rows give it: ("categories" or "goods", its index in
# that section, the item as a YAML document has it).
Item = tuple[str, int, dict[str, Any]]


@dataclass
class SheetItems:
    """A sheet read lazily: `items` gives the categories (each where it first appears) and
    the goods as the rows are read, and raises SheetRefused at its end when rows had
    problems of their own; `locations` fills meanwhile. Close `items` when it is left
    before its end (an XLSX file is closed then)."""

    items: Generator[Item, None, None]
    locations: Locations


def is_sheet(filename: str, data: bytes) -> bool:
    """Whether a price list is a spreadsheet, read by `read_sheet` (else `parse.read_document`
    reads it): named .xlsx or .csv, a zip archive (an XLSX file) whatever its name, or text
    not named as YAML or JSON whose first line is a sheet's header (a CSV file named .txt,
    or pulled from a URL without an extension)."""
    name = file_name(filename)
    if name.endswith((".xlsx", ".xls", ".ods", ".csv")) or data.startswith((_ZIP, _OLE2)):
        return True
    return not name.endswith((".yaml", ".yml", ".json")) and _starts_with_a_header(data)


def read_sheet(data: bytes, filename: str) -> SheetItems:
    """An XLSX file (so named, or a zip archive) or else a CSV one, read lazily; its header
    row is read and checked here (SheetRefused)."""
    name = file_name(filename)
    if data.startswith(_OLE2) or name.endswith(".xls"):
        raise SheetRefused(
            _(
                "An Excel 97–2003 workbook (.xls) is not read: save it as an Excel workbook "
                "(.xlsx) or as CSV."
            )
        )
    if name.endswith(".ods") or _OPENDOCUMENT in data[:100]:
        raise SheetRefused(
            _(
                "An OpenDocument spreadsheet (.ods) is not read: save it as an Excel workbook "
                "(.xlsx) or as CSV."
            )
        )
    if data[:4] == _ZIP or name.endswith(".xlsx"):
        return read_xlsx(data)
    return read_csv(data)


_ZIP = b"PK\x03\x04"
# The start of a compound file (an .xls workbook), and what an .ods file's first entry,
# its stored `mimetype`, says.
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OPENDOCUMENT = b"application/vnd.oasis.opendocument.spreadsheet"
_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# How far a header row is looked for in a file whose name does not say what it is.
_HEADER_PEEK = 65536


def _starts_with_a_header(data: bytes) -> bool:
    """Whether the first line names every column a sheet needs (they are ASCII, so any
    ASCII-compatible reading finds them)."""
    head = data[:_HEADER_PEEK]
    text = (
        head.decode("utf-16", errors="ignore")
        if head.startswith(_UTF16)
        else head.decode("latin-1")
    )
    # The UTF-16 codec drops its byte-order mark; UTF-8's is read here as three characters.
    first_line = _first_line(text.removeprefix("\xef\xbb\xbf"))
    cells = next(csv.reader([first_line], delimiter=_delimiter(first_line)), [])
    return {cell.strip().lower() for cell in cells} >= REQUIRED


def _first_line(text: str) -> str:
    """The text's first line, without a copy of the rest (the whole file, for a CSV one)."""
    end = text.find("\n")
    return text if end < 0 else text[:end]


def _delimiter(first_line: str) -> str:
    """The separator the header row uses most: `,`, `;`, or a tab (Excel's Unicode text)."""
    return max((",", ";", "\t"), key=first_line.count)


# An invalid byte as `surrogateescape` decodes it, and a character UTF-8 encodes in more
# than one byte.
_NOT_UTF8 = re.compile("[\udc80-\udcff]")
_MULTIBYTE = re.compile("[^\x00-\x7f\udc80-\udcff]")


def _csv_text(data: bytes) -> str:
    """A CSV file's text: UTF-16 after its byte-order mark, else UTF-8 (with or without
    one), else cp1251. Bytes that are mostly UTF-8 with a few that are not are refused: read
    as cp1251, every other letter of the list would change without a word."""
    if data.startswith(_UTF16):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise SheetRefused(_("The file is not valid UTF-16.")) from None
    body = data.removeprefix(codecs.BOM_UTF8)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        start = error.start
    text = body.decode("utf-8", errors="surrogateescape")
    if _MULTIBYTE.subn("", text)[1] > _NOT_UTF8.subn("", text)[1]:
        message = _(
            "Not valid UTF-8 (byte 0x%(byte)02X): save the file again as UTF-8, or all of "
            "it as cp1251."
        ) % {"byte": body[start]}
        raise SheetRefused(
            _("The file is not valid UTF-8."),
            problems=[{"row": body.count(b"\n", 0, start) + 1, "error": message}],
        )
    return data.decode("cp1251", errors="replace")


def read_csv(data: bytes) -> SheetItems:
    text = _csv_text(data)
    delimiter = _delimiter(_first_line(text))
    reader = csv.reader(_measured_lines(io.StringIO(text, newline="")), delimiter=delimiter)

    def rows() -> Generator[tuple[int, list[str]], None, None]:
        try:
            for number, row in enumerate(reader, start=1):
                yield number, [_csv_field(field) for field in row]
        except csv.Error as error:
            raise SheetRefused(
                _("Not valid CSV: %(problem)s") % {"problem": error},
                problems=[{"row": reader.line_num, "error": str(error)}],
            ) from None

    return _items(rows(), locations=Locations(unit="row"), letters=False)


def _measured_lines(lines: Iterable[str]) -> Generator[str, None, None]:
    """`lines`, refused at one longer than MAX_LINE_CHARACTERS: the csv module splits a
    whole line before it hands it over, and a line of millions of short fields would become
    millions of strings at once."""
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_CHARACTERS:
            raise SheetRefused(
                _("Line %(line)d is longer than %(max)d characters.")
                % {"line": number, "max": MAX_LINE_CHARACTERS}
            )
        yield line


def read_xlsx(data: bytes) -> SheetItems:
    workbook = open_workbook(data)
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
    except UNREADABLE:
        workbook.close()
        raise SheetRefused(_("Not a valid XLSX file.")) from None
    except BaseException:
        workbook.close()
        raise

    def numbered() -> Generator[tuple[int, tuple], None, None]:
        try:
            yield 1, unescaped(header)
            for number, row in enumerate(rows, start=2):
                yield number, unescaped(row)
        except UNREADABLE:
            raise SheetRefused(_("Not a valid XLSX file.")) from None
        finally:
            workbook.close()

    return _items(numbered(), locations=Locations(unit="row"), letters=True)


def csv_text(value: str) -> str:
    """Text as the CSV export writes it: quoted with an apostrophe where a spreadsheet
    program would take it for a formula."""
    return "'" + value if _FORMULA_START.match(value) else value


def _csv_field(field: str) -> str:
    """A CSV field as the text it stands for: the export's apostrophe taken off."""
    return field[1:] if field[:1] == "'" and _FORMULA_START.match(field, 1) else field


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


def _items(
    rows: Generator[tuple[int, Any], None, None], *, locations: Locations, letters: bool
) -> SheetItems:
    """The rows of a sheet (the header first, read and checked now) → its items, lazily."""
    first = next(rows, None)
    heading = _trimmed(first[1]) if first else ()
    _check_width(heading)
    header = [_heading(value) for value in heading]
    if not header:
        rows.close()
        raise SheetRefused(_("The sheet is empty: expected a header row and one row per good."))
    problems: list[Problem] = []
    columns: dict[str, int] = {}
    parameters: list[tuple[int, str]] = []
    named: set[str] = set()  # the parameters with a column
    for index, name in enumerate(header):
        parameter = name[len(PARAMETER) :].strip() if name.startswith(PARAMETER) else ""
        # A column named twice would leave one of its values unread: refused, not guessed.
        if parameter and parameter not in named:
            named.add(parameter)
            parameters.append((index, parameter))
            continue
        if parameter:
            error = _("Parameter “%(name)s” has another column before this one.")
            error %= {"name": parameter}
        elif name.lower() in columns:
            error = _("Column “%(name)s” comes twice.") % {"name": name.lower()}
        elif name.lower() in FIELDS:
            columns[name.lower()] = index
            continue
        else:
            error = _("Unknown column “%(name)s”.") % {"name": name}
        problems.append({"row": 1, "column": _column_name(index, letters), "error": error})
    missing = sorted(REQUIRED - set(columns))
    for name in missing:
        problems.append({"row": 1, "error": _("Column “%(name)s” is missing.") % {"name": name}})
    if problems:
        rows.close()
        raise SheetRefused(_("The header row is not valid."), problems=_cells(problems, letters))
    if letters:
        letter = {name: get_column_letter(index + 1) for name, index in columns.items()}
        for name in FIELDS:
            if name in letter and name != "category_name":
                locations.columns["goods", name] = letter[name]
        locations.columns["categories", "id"] = letter["category"]
        locations.columns["categories", "name"] = letter["category_name"]

    good_rows: list[int] = []
    category_rows: list[int] = []
    locations.items = {"goods": good_rows, "categories": category_rows}
    return SheetItems(
        _rows_items(rows, columns, parameters, good_rows, category_rows, letters), locations
    )


def _rows_items(
    rows: Generator[tuple[int, Any], None, None],
    columns: dict[str, int],
    parameters: list[tuple[int, str]],
    good_rows: list[int],
    category_rows: list[int],
    letters: bool,
) -> Generator[Item, None, None]:
    """The items of the rows after the header (their rows noted in `good_rows` and
    `category_rows`); SheetRefused at the end when a row's category name was missing or
    differed from an earlier row's."""
    problems: list[Problem] = []
    categories: dict[Any, str] = {}
    # Each column's conversion is chosen once, not per cell; short rows are padded once.
    fields = [
        (name, index, _CONVERSIONS[name])
        for name, index in columns.items()
        if name != "category_name"
    ]
    name_at = columns["category_name"]
    headings = {index: name for name, index in columns.items()}
    headings.update((index, PARAMETER + name) for index, name in parameters)
    width = max([*columns.values(), *(index for index, _name in parameters)]) + 1
    with closing(rows):
        for number, raw in rows:
            row = raw if len(raw) >= width else (*raw, *(None,) * (width - len(raw)))
            if len(row) > width and (beyond := _first_value(row, width)) is not None:
                # Only a CSV row gets here (an XLSX row is read to the header's width): most
                # likely a value with the separator in it and no quotes, which split it in
                # two. The part past the header would be lost.
                problems.append(
                    {
                        "row": number,
                        "column": _column_name(beyond, letters),
                        "error": _(
                            "The row has more values than the header has columns: a value "
                            "with the separator in it must be in double quotes."
                        ),
                    }
                )
                row = row[:width]
            if row.count(None) + row.count("") == len(row):
                continue
            if not SPREADSHEET_ERRORS.isdisjoint(row):
                problems += _error_cells(row, number, headings, letters)
                continue
            good: dict[str, Any] = {}
            for field_name, index, convert in fields:
                value = row[index]
                if value is not None and (value := convert(value)) is not None:
                    good[field_name] = value
            values: dict[str, Any] = {}
            for index, name in parameters:
                value = row[index]
                if value is not None and (value := _parameter(value)) is not None:
                    values[name] = value
            category = good.get("category")
            category_name = row[name_at]
            if category_name is not None:
                category_name = _text_cell(category_name)
            only_a_category = not values and good.keys() == {"category"}
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
                    yield (
                        "categories",
                        len(category_rows) - 1,
                        {"id": category, "name": category_name},
                    )
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
            elif only_a_category and type(category) is not int:
                category_rows.append(number)  # refused by the check, which names its cell
                yield "categories", len(category_rows) - 1, {"id": category, "name": category_name}
            if only_a_category:
                continue
            good["parameters"] = values
            good_rows.append(number)
            yield "goods", len(good_rows) - 1, good
    if problems:
        raise SheetRefused(_("The price list is not valid."), problems=_cells(problems, letters))
    if not good_rows:
        raise SheetRefused(_("The sheet has no goods: expected one row per good under the header."))


def _error_cells(
    row: Sequence[Any], number: int, headings: dict[int, str], letters: bool
) -> list[Problem]:
    """A problem for each cell of the row that holds a spreadsheet's error (a formula that
    failed, or its text in a CSV file the spreadsheet saved) instead of a value."""
    return [
        {
            "row": number,
            "column": _column_name(index, letters),
            "field": headings[index],
            "error": _("The cell holds the spreadsheet error %(error)s instead of a value.")
            % {"error": value},
        }
        for index, value in enumerate(row)
        if index in headings and value in SPREADSHEET_ERRORS
    ]


def _first_value(row: Sequence[Any], start: int) -> int | None:
    """The index of the row's first cell from `start` on that holds something, if any."""
    for index in range(start, len(row)):
        value = row[index]
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return index
    return None


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
            if _THOUSANDS.fullmatch(text):
                return AmbiguousAmount(value)
            text = text.replace(",", ".")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            return value
        return amount if amount.is_finite() else value
    return value


# 2,000: two thousand with a thousands separator, two with a decimal comma.
_THOUSANDS = re.compile(r"[-+]?[0-9]{1,3}(?:,[0-9]{3})+")


class AmbiguousAmount(SpelledNumber):
    """An amount with a comma before three digits, and no other separator."""

    def refusal(self) -> str:
        return _(
            "“%(text)s” could be a number with a thousands separator or with a decimal comma: "
            "write it without a thousands separator, and with at most two decimals."
        ) % {"text": self}


def _parameter(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        # A parameter's value is text: a date cell is the date as it is written in YAML.
        if isinstance(value, datetime.datetime) and value.time() == datetime.time():
            return value.date().isoformat()
        return (
            value.isoformat(sep=" ") if isinstance(value, datetime.datetime) else value.isoformat()
        )
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(value)
    return value


_CONVERSIONS = {
    **dict.fromkeys(_WHOLE, _whole_cell),
    **dict.fromkeys(_MONEY, _money_cell),
    **dict.fromkeys(_TEXT, _text_cell),
}
