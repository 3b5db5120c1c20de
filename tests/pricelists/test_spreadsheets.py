"""CSV and XLSX price lists: the round trip through a spreadsheet, the encodings and
separators of CSV, and hostile workbooks refused with the catalog unchanged."""

import csv
import datetime
import io
import random
import re
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS

from procurement.catalog.models import Category, Offer, Shop
from procurement.pricelists.errors import ImportFailed
from procurement.pricelists.models import ImportJob
from procurement.pricelists.services import import_pricelist
from tests.support.pricelists import (
    as_json,
    as_yaml,
    catalog_snapshot,
    shop1_bytes,
    shop1_document,
)

pytestmark = pytest.mark.django_db

EXPORT = "/api/v1/partner/export"
UPDATE = "/api/v1/partner/update"
HEADER = ["id", "category", "category_name", "model", "name", "price", "price_rrc", "quantity"]
ONE_GOOD = [HEADER, [1, 5, "Кабели", "", "Кабель", 10, 12, 3]]


def exported(client, fmt: str) -> bytes:
    response = client.get(EXPORT, {"format": fmt})
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def catalog_of(supplier) -> dict[int, tuple]:
    """The supplier's current offers: external id → what a price list says of it."""
    return {
        offer.external_id: (
            offer.product.category_id,
            offer.product.name,
            offer.model,
            offer.price,
            offer.price_rrc,
            offer.quantity,
            {item.parameter.name: item.value for item in offer.parameters.all()},
        )
        for offer in Offer.objects.filter(shop__user=supplier, is_withdrawn=False)
        .select_related("product")
        .prefetch_related("parameters__parameter")
    }


def as_listed(document: dict) -> dict[int, tuple]:
    """What importing `document` should give, in the form of catalog_of."""
    return {
        good["id"]: (
            good["category"],
            good["name"],
            good.get("model", ""),
            Decimal(str(good["price"])).quantize(Decimal("0.01")),
            Decimal(str(good["price_rrc"])).quantize(Decimal("0.01")),
            good["quantity"],
            {name: as_text(value) for name, value in (good.get("parameters") or {}).items()},
        )
        for good in document["goods"]
    }


def as_text(value) -> str:
    """A parameter's value as the catalog keeps it."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def workbook_bytes(rows: list[list], *, sheets: int = 1) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    for number in range(1, sheets):
        workbook.create_sheet(f"Лист{number + 1}")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


_INLINE_TEXT = re.compile(
    rb'<c r="([A-Z]+[0-9]+)"([^>]*?) t="inlineStr"><is>(<t[^>]*>.*?</t>)</is></c>'
)
_SHARED_STRINGS_TYPE = SHARED_STRINGS.encode()


SHEET = "xl/worksheets/sheet1.xml"


def rewritten(data: bytes, change=None, *, added: dict[str, bytes] | None = None) -> bytes:
    """The workbook `data` with each part changed by `change(name, part)`, and the parts
    `added` after them."""
    source = zipfile.ZipFile(io.BytesIO(data))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            part = source.read(name)
            archive.writestr(name, change(name, part) if change else part)
        for name, part in (added or {}).items():
            archive.writestr(name, part)
    return target.getvalue()


def with_sheet(data: bytes, change) -> bytes:
    """The workbook with its sheet's XML changed by `change` (bytes → bytes)."""
    return rewritten(data, lambda name, part: change(part) if name == SHEET else part)


def with_shared_strings(data: bytes, *, unused: int = 0) -> bytes:
    """A workbook openpyxl saved (its text inline in the cells) as Excel saves it: each text
    in the shared strings part, the cells referring to it by number; and `unused` more
    shared strings that no cell refers to."""
    numbers: dict[bytes, int] = {}  # each text once, as Excel keeps it

    def shared(match: re.Match) -> bytes:
        number = numbers.setdefault(match[3], len(numbers))
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (match[1], match[2], number)

    sheet = _INLINE_TEXT.sub(shared, zipfile.ZipFile(io.BytesIO(data)).read(SHEET))
    assert numbers, "the workbook had no inline text"
    strings = [*numbers, *(b"<t>%d</t>" % number for number in range(unused))]
    override = b'<Override PartName="/xl/sharedStrings.xml" ContentType="%s" />'

    def change(name: str, part: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return part.replace(b"</Types>", override % _SHARED_STRINGS_TYPE + b"</Types>")
        return sheet if name == SHEET else part

    table = b"".join(b"<si>%s</si>" % text for text in strings)
    return rewritten(
        data,
        change,
        added={
            "xl/sharedStrings.xml": (
                b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                + table
                + b"</sst>"
            )
        },
    )


def csv_bytes(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def refused(supplier, data: bytes, filename: str) -> list[dict]:
    """Import `data`, which must be refused with nothing written → its problems."""
    before = catalog_snapshot()
    with pytest.raises(ImportFailed) as caught:
        import_pricelist(supplier=supplier, data=data, source=filename, filename=filename)
    assert catalog_snapshot() == before
    return caught.value.problems


@pytest.fixture
def imported(supplier):
    import_pricelist(supplier=supplier, data=shop1_bytes(), source="setup")
    return Shop.objects.get(user=supplier)


@pytest.mark.parametrize("shared", [False, True], ids=["inline text", "shared strings"])
def test_xlsx_export_edited_in_a_spreadsheet_imports_as_edited(
    supplier_client, supplier, imported, shared
):
    """Edited, then saved by openpyxl (text in the cells) or as Excel saves it (text in the
    workbook's shared strings)."""
    workbook = load_workbook(io.BytesIO(exported(supplier_client, "xlsx")))
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    assert header[:8] == HEADER
    assert "param:Цвет" in header
    column = {name: index + 1 for index, name in enumerate(header)}
    rows = {sheet.cell(row, 1).value: row for row in range(2, sheet.max_row + 1)}
    assert len(rows) == 14

    expected = shop1_document()
    goods = {good["id"]: good for good in expected["goods"]}
    # The edits a supplier makes: a price, a quantity, a colour, a removed row, a new row.
    sheet.cell(rows[4216292], column["price"]).value = 99999.9
    goods[4216292]["price"] = Decimal("99999.90")
    sheet.cell(rows[4216292], column["quantity"]).value = 3
    goods[4216292]["quantity"] = 3
    colour = sheet.cell(rows[4216292], column["param:Цвет"])
    colour.value = "=красный, не формула"
    colour.data_type = "s"  # text, as a spreadsheet keeps text typed with a leading '
    goods[4216292]["parameters"]["Цвет"] = "=красный, не формула"
    removed = next(good_id for good_id in rows if good_id != 4216292)
    sheet.delete_rows(rows[removed])
    expected["goods"].remove(goods[removed])
    new_row = [555, 224, "Смартфоны", "", "Новинка", 10, 12.5, 7]
    sheet.append(new_row + [None] * (len(header) - len(new_row)))
    expected["goods"].append(
        {
            "id": 555,
            "category": 224,
            "name": "Новинка",
            "price": 10,
            "price_rrc": 12.5,
            "quantity": 7,
        }
    )
    edited = io.BytesIO()
    workbook.save(edited)
    data = with_shared_strings(edited.getvalue()) if shared else edited.getvalue()

    result = import_pricelist(supplier=supplier, data=data, source="edited", filename="edited.xlsx")
    assert (result.created, result.updated, result.withdrawn) == (1, 1, 1)
    assert catalog_of(supplier) == as_listed(expected)
    assert Shop.objects.get(user=supplier).name == "Связной"


def test_xlsx_export_reimports_to_the_same_catalog(supplier_client, supplier, imported):
    before = catalog_of(supplier)
    result = import_pricelist(
        supplier=supplier, data=exported(supplier_client, "xlsx"), source="x", filename="x.xlsx"
    )
    assert (result.created, result.updated, result.withdrawn) == (0, 0, 0)
    assert catalog_of(supplier) == before == as_listed(shop1_document())


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_category_without_goods_round_trips_as_a_row_of_its_own(supplier_client, supplier, fmt):
    """The shop lists a category none of its goods is filed under: the export gives it a
    row with only its id and name, and the import keeps it listed."""
    document = shop1_document()
    document["categories"].append({"id": 77, "name": "Скоро в продаже"})
    import_pricelist(supplier=supplier, data=as_yaml(document), source="setup")
    before = catalog_snapshot()
    assert (imported_shop := Shop.objects.get(user=supplier)).categories.filter(pk=77).exists()

    data = exported(supplier_client, fmt)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(data.decode())))
    else:
        rows = [list(row) for row in load_workbook(io.BytesIO(data)).active.values]
    assert [row[:3] for row in rows if row[1] in (77, "77")] == [
        [None if fmt == "xlsx" else "", 77 if fmt == "xlsx" else "77", "Скоро в продаже"]
    ]
    result = import_pricelist(supplier=supplier, data=data, source="x", filename=f"x.{fmt}")
    assert (result.created, result.updated, result.withdrawn) == (0, 0, 0)
    assert catalog_snapshot() == before
    assert imported_shop.categories.filter(pk=77).exists()

    # The row taken away (the supplier no longer lists the category): it is unlinked.
    kept = [row for row in rows if row[1] not in (77, "77")]
    data = csv_bytes(kept) if fmt == "csv" else workbook_bytes(kept)
    import_pricelist(supplier=supplier, data=data, source="y", filename=f"y.{fmt}")
    assert not imported_shop.categories.filter(pk=77).exists()
    assert catalog_of(supplier) == as_listed(shop1_document())


@pytest.mark.parametrize(
    "row, message",
    [
        (
            ["", 5, "Другое имя"],
            "row 3: category_name: Category 5 is named “Кабели” in an earlier row.",
        ),
        (["", 6, ""], "row 3: category_name: This field is required."),
        (
            ["", "шесть", "Шесть"],
            "categories[1] (id шесть), row 3: id: Expected a whole number from 1 to "
            "9223372036854775807.",
        ),
    ],
)
def test_a_row_of_only_a_category_is_checked_as_one(supplier, imported, row, message):
    rows = [*ONE_GOOD, row]
    problems = refused(supplier, csv_bytes(rows), "list.csv")
    assert [problem["message"] for problem in problems] == [message]


def test_csv_export_reimports_and_its_edits_apply(supplier_client, supplier, imported):
    rows = list(csv.reader(io.StringIO(exported(supplier_client, "csv").decode())))
    assert rows[0][:8] == HEADER
    price = rows[0].index("price")
    rows[1][price] = "123.45"
    expected = shop1_document()
    expected["goods"][0]["price"] = Decimal("123.45")  # the CSV keeps the export's order
    result = import_pricelist(supplier=supplier, data=csv_bytes(rows), source="x", filename="x.csv")
    assert (result.created, result.updated, result.withdrawn) == (0, 1, 0)
    assert catalog_of(supplier) == as_listed(expected)


@pytest.mark.parametrize(
    "encoding, delimiter, price",
    [("utf-8", ",", "110000.50"), ("utf-8-sig", ";", "110000,50"), ("cp1251", ";", "110 000,50")],
)
def test_csv_encodings_and_separators(supplier, encoding, delimiter, price):
    lines = [
        [*HEADER, "param:Цвет"],
        ["4216292", "224", "Смартфоны", "apple/xs", "Смартфон", price, "116990", "14", "золотой"],
    ]
    text = "\r\n".join(delimiter.join(line) for line in lines) + "\r\n"
    if delimiter == "," and "," in price:
        pytest.fail("a comma price needs quoting in a comma CSV")
    import_pricelist(
        supplier=supplier, data=text.encode(encoding), source="list.csv", filename="list.csv"
    )
    assert catalog_of(supplier) == {
        4216292: (
            224,
            "Смартфон",
            "apple/xs",
            Decimal("110000.50"),
            Decimal("116990.00"),
            14,
            {"Цвет": "золотой"},
        )
    }


CYRILLIC_LIST = [
    [*HEADER, "param:Цвет"],
    ["4216292", "224", "Смартфоны", "apple/xs", "Смартфон", "110000", "116990", "14", "золотой"],
]
CYRILLIC_CATALOG = {
    4216292: (
        224,
        "Смартфон",
        "apple/xs",
        Decimal("110000.00"),
        Decimal("116990.00"),
        14,
        {"Цвет": "золотой"},
    )
}


def test_a_utf8_csv_with_a_byte_that_is_not_utf8_is_refused_not_read_as_cp1251(supplier, imported):
    """One Latin-1 byte in a UTF-8 file: read as cp1251, every Cyrillic letter of the list
    would change without a word."""
    lines = [*CYRILLIC_LIST, ["5", "224", "Смартфоны", "café", "Кофе", "1", "2", "3", ""]]
    data = csv_bytes(lines).replace("é".encode(), "é".encode("latin-1"))
    problems = refused(supplier, data, "list.csv")
    assert [problem["message"] for problem in problems] == [
        "row 3: Not valid UTF-8 (byte 0xE9): save the file again as UTF-8, or all of it as cp1251."
    ]


def test_a_cp1251_csv_with_a_pair_that_happens_to_be_utf8_is_read_as_cp1251(supplier):
    """Capitals followed by Ё (“ТЁПЛЫЙ”) are valid UTF-8 two by two; the rest of the list
    is not, so it is cp1251."""
    lines = [list(line) for line in CYRILLIC_LIST]
    lines[1][4] = "ТЁПЛЫЙ Смартфон"
    import_pricelist(
        supplier=supplier,
        data=csv_bytes(lines).decode().encode("cp1251"),
        source="list.csv",
        filename="list.csv",
    )
    assert catalog_of(supplier)[4216292][1] == "ТЁПЛЫЙ Смартфон"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_a_utf16_csv_with_tabs_as_excel_saves_unicode_text_is_read(supplier, encoding):
    text = "\r\n".join("\t".join(line) for line in CYRILLIC_LIST) + "\r\n"
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    import_pricelist(supplier=supplier, data=data, source="list.csv", filename="list.csv")
    assert catalog_of(supplier) == CYRILLIC_CATALOG


@pytest.mark.parametrize("filename", ["list.csv", "list.txt", "list", "https://a.example/export"])
def test_a_spreadsheet_is_told_by_its_content_when_its_name_does_not_say(supplier, filename):
    """A workbook named .csv, or a CSV named .txt or by a URL without an extension."""
    if filename == "list.csv":
        data = workbook_bytes([[*HEADER, "param:Цвет"], [4216292, 224, *CYRILLIC_LIST[1][2:]]])
    else:
        data = csv_bytes(CYRILLIC_LIST)
    import_pricelist(supplier=supplier, data=data, source=filename, filename=filename)
    assert catalog_of(supplier) == CYRILLIC_CATALOG


@pytest.mark.parametrize("price", ["2,000", "1,500", "12,345,000"])
def test_a_comma_before_three_digits_is_refused_as_ambiguous(supplier, imported, price):
    """“2,000” is two thousand with a thousands separator and two with a decimal comma."""
    rows = [HEADER, ["1", "5", "Кабели", "", "Кабель", price, "12", "3"]]
    text = "\n".join(";".join(row) for row in rows)
    problems = refused(supplier, text.encode(), "list.csv")
    assert [problem["message"] for problem in problems] == [
        f"goods[0] (id 1), row 2: price: “{price}” could be a number with a thousands separator "
        "or with a decimal comma: write it without a thousands separator, and with at most two "
        "decimals."
    ]


def ods_bytes() -> bytes:
    """The start of an OpenDocument spreadsheet: its stored `mimetype` entry first."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data, filename, kind",
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "prices.xls", "An Excel 97–2003"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "prices", "An Excel 97–2003"),
        (ods_bytes(), "prices.ods", "An OpenDocument"),
        (ods_bytes(), "prices.xlsx", "An OpenDocument"),
    ],
)
def test_a_spreadsheet_of_another_format_is_refused_saying_what_to_save(
    supplier, imported, data, filename, kind
):
    problems = refused(supplier, data, filename)
    assert len(problems) == 1 and problems[0]["message"].startswith(kind)
    assert "save it as an Excel workbook (.xlsx) or as CSV" in problems[0]["message"]


def test_a_spreadsheet_names_a_new_shop_after_the_company(supplier):
    supplier.company = "ООО Ромашка"
    supplier.save()
    data = workbook_bytes(ONE_GOOD)
    import_pricelist(supplier=supplier, data=data, source="list.xlsx", filename="list.xlsx")
    assert Shop.objects.get(user=supplier).name == "ООО Ромашка"


def test_an_xlsx_upload_through_the_api(supplier_client, supplier, commit_callbacks):
    data = workbook_bytes(ONE_GOOD)
    with commit_callbacks():
        response = supplier_client.post(
            UPDATE, {"file": SimpleUploadedFile("list.xlsx", data)}, format="multipart"
        )
    assert response.status_code == 202
    job = ImportJob.objects.get(pk=response.json()["job"])
    assert (job.state, job.created) == ("done", 1)
    assert catalog_of(supplier) == {1: (5, "Кабель", "", Decimal("10.00"), Decimal("12.00"), 3, {})}


def test_wrong_types_are_named_by_their_cell(supplier, imported):
    data = workbook_bytes(
        [
            HEADER,
            [1, 5, "Кабели", "", "Кабель", "дорого", 12, 3],
            [2, 5, "Кабели", "", "Кабель 2", 10, 12, "много"],
            [3, "пять", "Кабели", "", "Кабель 3", -1, 12, 3],
        ]
    )
    problems = refused(supplier, data, "list.xlsx")
    assert [problem["message"] for problem in problems] == [
        "goods[0] (id 1), cell F2: price: Expected a number.",
        "goods[1] (id 2), cell H3: quantity: Expected a whole number from 0 to 2147483647.",
        "goods[2] (id 3), cell B4: category: Expected a whole number from 1 to "
        "9223372036854775807.",
        "goods[2] (id 3), cell F4: price: Must not be negative.",
    ]
    assert problems[0]["cell"] == "F2" and problems[0]["row"] == 2


def test_csv_problems_name_their_row(supplier, imported):
    text = "\n".join([",".join(HEADER), "1,5,Кабели,,Кабель,10,12,3", "1,5,Кабели,,Дубль,10,12,3"])
    problems = refused(supplier, text.encode(), "list.csv")
    assert [problem["message"] for problem in problems] == [
        "goods[1] (id 1), row 3: id: Duplicate good id."
    ]


@pytest.mark.parametrize("filename", ["list.xlsx", "list.csv"])
def test_a_cell_holding_a_spreadsheet_error_is_refused_naming_it(supplier, imported, filename):
    """A formula that failed (#REF!, #N/A…) is kept as the cell's value in a workbook and
    as its text in a CSV file the spreadsheet saved: never a name or a parameter's value."""
    rows = [
        [*HEADER, "param:Цвет"],
        [1, 5, "Кабели", "", "#REF!", 10, 12, 3, "#N/A"],
        [2, 5, "Кабели", "", "Кабель", "#DIV/0!", 12, 3, "красный"],
        [3, 5, "Кабели", "#N/A-1", "Кабель 3", 10, 12, 3, "синий"],
    ]
    data = workbook_bytes(rows) if filename.endswith(".xlsx") else csv_bytes(rows)
    problems = refused(supplier, data, filename)
    place = "cell {}{}" if filename.endswith(".xlsx") else "row {1}"
    assert [problem["message"] for problem in problems] == [
        f"{place.format('E', 2)}: name: The cell holds the spreadsheet error #REF! instead of "
        "a value.",
        f"{place.format('I', 2)}: param:Цвет: The cell holds the spreadsheet error #N/A "
        "instead of a value.",
        f"{place.format('F', 3)}: price: The cell holds the spreadsheet error #DIV/0! instead "
        "of a value.",
    ]


def test_a_date_in_a_parameter_column_is_its_text(supplier):
    rows = [
        [*HEADER, "param:Дата выпуска", "param:Время"],
        [1, 5, "Кабели", "", "Кабель", 10, 12, 3, datetime.date(2020, 1, 2), None],
        [2, 5, "Кабели", "", "Кабель 2", 10, 12, 3, datetime.datetime(2021, 3, 4, 5, 6), None],
        [3, 5, "Кабели", "", "Кабель 3", 10, 12, 3, None, datetime.time(7, 30)],
    ]
    import_pricelist(
        supplier=supplier, data=workbook_bytes(rows), source="list.xlsx", filename="list.xlsx"
    )
    assert {key: value[-1] for key, value in catalog_of(supplier).items()} == {
        1: {"Дата выпуска": "2020-01-02"},
        2: {"Дата выпуска": "2021-03-04 05:06:00"},
        3: {"Время": "07:30:00"},
    }


def test_a_formula_is_never_evaluated(supplier, imported):
    """A formula saved without its value (as openpyxl writes one) is an empty cell: the
    import refuses it and names the cell; it is not computed."""
    data = workbook_bytes([HEADER, [1, 5, "Кабели", "", "Кабель", "=1+1", 12, 3]])
    problems = refused(supplier, data, "list.xlsx")
    assert [problem["message"] for problem in problems] == [
        "goods[0] (id 1), cell F2: price: This field is required."
    ]


def test_a_formula_counts_with_the_value_the_spreadsheet_saved(supplier):
    data = workbook_bytes([HEADER, [1, 5, "Кабели", "", "Кабель", 999, 12, 3]])
    data = with_sheet(
        data,
        lambda xml: xml.replace(b'<c r="F2" t="n"><v>999</v>', b'<c r="F2"><f>1+1</f><v>42</v>'),
    )
    assert b"<f>1+1</f>" in zipfile.ZipFile(io.BytesIO(data)).read(SHEET)
    import_pricelist(supplier=supplier, data=data, source="f", filename="f.xlsx")
    assert Offer.objects.get(shop__user=supplier).price == Decimal("42.00")


def test_a_zip_bomb_is_refused_unread(supplier, imported):
    data = workbook_bytes(ONE_GOOD)
    bomb = rewritten(data, added={"xl/media/padding.bin": b"\0" * 50_000_000})
    assert len(bomb) < 200_000
    problems = refused(supplier, bomb, "bomb.xlsx")
    assert problems == [
        {
            "error": "The spreadsheet is compressed more than 100 to 1: it is refused.",
            "message": "The spreadsheet is compressed more than 100 to 1: it is refused.",
        }
    ]


def patched_entries(data: bytes, *, method: int | None = None, flags: int = 0) -> bytes:
    """The archive with every entry's compression method set to `method`, and `flags` added
    to its flag bits, in the local and the central headers alike."""
    patched = bytearray(data)
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = patched.find(signature)
        while at >= 0:
            bits = int.from_bytes(patched[at + flag_at : at + flag_at + 2], "little") | flags
            patched[at + flag_at : at + flag_at + 2] = bits.to_bytes(2, "little")
            if method is not None:
                patched[at + flag_at + 2 : at + flag_at + 4] = method.to_bytes(2, "little")
            at = patched.find(signature, at + 4)
    return bytes(patched)


def with_damaged_sheet(data: bytes) -> bytes:
    """The archive with its sheet's compressed data starting with a reserved block type."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(SHEET)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    damaged = bytearray(data)
    damaged[start] = 0b111  # the last block, of type 3, which deflate reserves
    return bytes(damaged)


@pytest.mark.parametrize(
    "damage, error",
    [
        (
            lambda data: patched_entries(data, flags=0x1),
            "The spreadsheet is protected by a password: save it without one.",
        ),
        (
            lambda data: patched_entries(data, method=9),
            "The spreadsheet is compressed in a way that cannot be read here: save it again "
            "as an Excel workbook (.xlsx).",
        ),
        (with_damaged_sheet, "Not a valid XLSX file."),
        (lambda data: data[: len(data) // 2], "Not a valid XLSX file."),
        (
            # A cell naming a shared string the workbook does not have.
            lambda data: with_sheet(
                data,
                lambda xml: xml.replace(b'<c r="A2" t="n"><v>1</v>', b'<c r="A2" t="s"><v>9</v>'),
            ),
            "Not a valid XLSX file.",
        ),
        (
            # An attribute openpyxl does not know.
            lambda data: with_sheet(
                data, lambda xml: xml.replace(b"<sheetFormatPr ", b'<sheetFormatPr bogus="1" ')
            ),
            "Not a valid XLSX file.",
        ),
        (
            lambda data: rewritten(
                data,
                lambda name, part: (
                    part.replace(b"sheet.main+xml", b"x") if name == "[Content_Types].xml" else part
                ),
            ),
            "Not a valid XLSX file.",
        ),
    ],
    ids=[
        "encrypted entries",
        "Deflate64",
        "damaged compressed data",
        "cut in half",
        "a shared string that is not there",
        "an unknown attribute",
        "no workbook part",
    ],
)
def test_an_archive_that_cannot_be_unpacked_is_refused_with_a_reason(
    supplier, imported, damage, error
):
    """Not an unexpected failure: each is the file's fault, and says how to mend it."""
    data = workbook_bytes(
        [HEADER, *([n, 5, "Кабели", "", "Кабель", 10, 12, 3] for n in range(1, 500))]
    )
    problems = refused(supplier, damage(data), "list.xlsx")
    assert [problem["message"] for problem in problems] == [error]


def test_a_spreadsheet_unpacking_past_the_limit_is_refused(supplier, imported, settings):
    settings.IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES = 5000
    data = workbook_bytes(ONE_GOOD)
    problems = refused(supplier, data, "list.xlsx")
    assert problems[0]["error"] == "The spreadsheet unpacks to more than 5000 bytes."


def with_styles_padded(data: bytes, size: int) -> bytes:
    """The workbook with `size` bytes of comment in its styles part."""
    padding = b"<!--%s--><styleSheet" % (b"x" * size)
    return rewritten(
        data,
        lambda name, part: (
            part.replace(b"<styleSheet", padding, 1) if name == "xl/styles.xml" else part
        ),
    )


@pytest.mark.parametrize("part", ["shared strings", "styles"])
def test_parts_held_in_memory_past_the_loading_limit_are_refused(
    supplier, imported, settings, part
):
    """openpyxl keeps every shared string (and its styles, and the workbook's own parts) in
    memory while the rows stream: millions of tiny strings that compress well enough to pass
    the zip checks are refused by the zip directory, before any is unpacked."""
    settings.IMPORT_XLSX_MAX_LOADED_BYTES = 200_000
    data = workbook_bytes(ONE_GOOD)
    if part == "styles":
        data = with_styles_padded(data, 300_000)
    else:
        data = with_shared_strings(data, unused=20_000)
    assert len(data) < settings.IMPORT_XLSX_MAX_LOADED_BYTES
    problems = refused(supplier, data, "list.xlsx")
    assert [problem["message"] for problem in problems] == [
        "The workbook's shared strings, styles and other parts besides the sheet unpack to "
        "more than 200000 bytes."
    ]


def test_a_sheet_larger_than_the_loading_limit_streams(supplier, imported, settings):
    """The limit counts what the workbook holds in memory, not its sheet's rows."""
    settings.IMPORT_XLSX_MAX_LOADED_BYTES = 30_000
    rows = [[number, 5, "Кабели", "", "Кабель", 10, 12, 3] for number in range(1, 2001)]
    data = with_shared_strings(workbook_bytes([HEADER, *rows]))
    sheet = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
    assert sheet.file_size > 3 * settings.IMPORT_XLSX_MAX_LOADED_BYTES
    result = import_pricelist(supplier=supplier, data=data, source="big", filename="big.xlsx")
    assert (result.created, result.withdrawn) == (2000, 14)
    assert set(catalog_of(supplier)) == set(range(1, 2001))


LONG_TEXT = random.Random(7).randbytes(550_000).hex().encode()  # 1.1 MB that hardly compresses
WIDE_ROW = b'<row r="3">' + b"".join(b"<c><v>%d</v></c>" % n for n in range(60_000)) + b"</row>"


def foreign_rows() -> bytes:
    return b"".join(
        b'<y:row xmlns:y="urn:y" r="%d"><y:c/></y:row>' % number for number in range(260_000)
    )


def merged_cells() -> bytes:
    ranges = b"".join(b'<mergeCell ref="A%d:B%d"/>' % (n, n) for n in range(1, 510_000))
    return b"<mergeCells>" + ranges + b"</mergeCells>"


@pytest.mark.parametrize(
    "change, error",
    [
        (
            lambda xml: xml.replace(b"</sheetData>", WIDE_ROW + b"</sheetData>"),
            "Row 3 of the sheet holds more than 100000 XML elements or 16000000 bytes: more "
            "than the 16,384 columns of a spreadsheet need.",
        ),
        (
            lambda xml: xml.replace(b"</sheetData>", b"</sheetData>" + merged_cells()),
            "The sheet holds more than 500000 XML elements or 64000000 bytes outside its rows.",
        ),
        (
            # Elements named "row" that openpyxl's parser does not take for rows, nor clears.
            lambda xml: xml.replace(b"</sheetData>", foreign_rows() + b"</sheetData>"),
            "The sheet holds more than 500000 XML elements or 64000000 bytes outside its rows.",
        ),
        (
            lambda xml: xml.replace(b"</sheetData>", b'<row r="9" xmlns="urn:y"/></sheetData>'),
            "The sheet declares its namespace again below its root.",
        ),
        (
            lambda xml: xml.replace(SHEET_MAIN_NS.encode(), b"urn:y", 1),
            "Not a valid XLSX file.",
        ),
        (
            lambda xml: xml.replace(b"</row></sheetData>", b'<row r="9"></row></row></sheetData>'),
            "The sheet has a row inside a row.",
        ),
        (
            lambda xml: xml.replace(b"<v>10</v>", b"<v>" + LONG_TEXT + b"</v>"),
            "The sheet holds a text of more than 1 MB between two tags.",
        ),
        (
            lambda xml: xml.replace(b"<sheetData>", b"<sheetData><!-- </row><row> -->"),
            "The sheet holds a comment, CDATA or a DTD, which no spreadsheet writes.",
        ),
        (
            lambda xml: xml.replace(b"<v>10</v>", b"<v><![CDATA[10]]></v>"),
            "The sheet holds a comment, CDATA or a DTD, which no spreadsheet writes.",
        ),
        (
            lambda xml: xml.replace(b"<sheetData>", b"<sheetData><?pi </row><row>?>"),
            "The sheet holds an XML processing instruction.",
        ),
    ],
    ids=[
        "a row of 60,000 cells",
        "510,000 merged ranges",
        "rows of another namespace",
        "the namespace declared again",
        "a sheet of another namespace",
        "a row in a row",
        "1 MB of text",
        "comment",
        "CDATA",
        "instruction",
    ],
)
def test_a_sheet_that_openpyxl_would_hold_in_memory_is_refused(supplier, imported, change, error):
    """openpyxl keeps the XML of a row, or of any element it reads whole, until the element
    ends: the sheet is counted as it is read, and refused before such an element builds up.
    A comment, CDATA or instruction (which could hide tags from the count) is refused too."""
    problems = refused(supplier, with_sheet(workbook_bytes(ONE_GOOD), change), "list.xlsx")
    assert [problem["message"] for problem in problems] == [error]


def test_a_sheet_named_as_the_shared_strings_too_is_still_measured(supplier, imported):
    """The content types may name the sheet's own part as the shared strings: openpyxl then
    reads it once as such (counted whole), and again as the sheet, measured as any sheet."""
    override = b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="%s" />'

    def change(name: str, part: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return part.replace(b"</Types>", override % _SHARED_STRINGS_TYPE + b"</Types>")
        if name == SHEET:
            return part.replace(b"</sheetData>", WIDE_ROW + b"</sheetData>")
        return part

    problems = refused(supplier, rewritten(workbook_bytes(ONE_GOOD), change), "list.xlsx")
    assert [problem["message"] for problem in problems] == [
        "Row 3 of the sheet holds more than 100000 XML elements or 16000000 bytes: more "
        "than the 16,384 columns of a spreadsheet need."
    ]


def test_a_sheet_with_a_link_on_each_of_150_000_goods_is_read(supplier, imported):
    """What lies outside the rows may be large in a real price list: a link per good."""
    links = b"<hyperlinks>%s</hyperlinks>" % b"".join(
        b'<hyperlink ref="E%d" display="https://example.com/goods/%d"/>' % (number, number)
        for number in range(2, 150_002)
    )
    data = with_sheet(
        workbook_bytes(ONE_GOOD), lambda xml: xml.replace(b"</sheetData>", b"</sheetData>" + links)
    )
    result = import_pricelist(supplier=supplier, data=data, source="x", filename="x.xlsx")
    assert (result.created, result.withdrawn) == (1, 14)
    assert set(catalog_of(supplier)) == {1}


def test_a_sheet_of_more_rows_than_a_spreadsheet_has_is_refused(supplier, imported, monkeypatch):
    """openpyxl keeps each row's emptied element until the sheet ends: the rows are counted
    (MAX_ROWS, lowered here, is the 1,048,576 rows of a spreadsheet)."""
    from procurement.pricelists import workbook

    monkeypatch.setattr(workbook, "MAX_ROWS", 50)
    empty_rows = b"".join(b'<row r="%d"/>' % number for number in range(3, 60))
    data = with_sheet(
        workbook_bytes(ONE_GOOD),
        lambda xml: xml.replace(b"</sheetData>", empty_rows + b"</sheetData>"),
    )
    problems = refused(supplier, data, "list.xlsx")
    assert [problem["message"] for problem in problems] == ["The sheet has more than 50 rows."]


def test_a_sheet_written_with_a_declaration_and_a_prefix_imports(supplier, imported):
    """As other programs write a sheet: an XML declaration after a byte-order mark, CRLF, and
    every element with a namespace prefix (`<x:row>`), its rows still counted as rows."""
    rows = [[number, 5, "Кабели", "", "Кабель", 10, 12, 3] for number in range(1, 1001)]

    def rewritten(xml: bytes) -> bytes:
        xml = re.sub(rb"<(/?)([A-Za-z])", rb"<\1x:\2", xml)
        xml = xml.replace(b"<x:worksheet xmlns=", b"<x:worksheet xmlns:x=", 1)
        return b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n' + xml

    data = with_sheet(workbook_bytes([HEADER, *rows]), rewritten)
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert sheet.count(b"<x:row ") == 1001
    result = import_pricelist(supplier=supplier, data=data, source="x", filename="x.xlsx")
    assert (result.created, result.withdrawn) == (1000, 14)
    assert set(catalog_of(supplier)) == set(range(1, 1001))


def test_ten_thousand_columns_are_refused(supplier, imported):
    data = workbook_bytes([[*HEADER, *(f"param:p{number}" for number in range(10_000))]])
    problems = refused(supplier, data, "wide.xlsx")
    assert problems[0]["error"] == ("The header row has 10008 columns; at most 1000 are allowed.")


def test_an_empty_sheet_is_refused(supplier, imported):
    problems = refused(supplier, workbook_bytes([]), "empty.xlsx")
    assert problems[0]["error"] == (
        "The sheet is empty: expected a header row and one row per good."
    )


@pytest.mark.parametrize("filename", ["list.xlsx", "list.csv"])
@pytest.mark.parametrize("dry_run", [False, True])
def test_a_sheet_with_a_header_and_no_goods_is_refused(supplier, imported, filename, dry_run):
    blank = ["", "", ""]
    if filename.endswith(".xlsx"):
        data = workbook_bytes([HEADER, blank, blank])
    else:
        data = (",".join(HEADER) + "\n,,\n\n").encode()
    before = catalog_snapshot()
    with pytest.raises(ImportFailed) as caught:
        import_pricelist(
            supplier=supplier, data=data, source=filename, filename=filename, dry_run=dry_run
        )
    assert catalog_snapshot() == before
    assert [problem["message"] for problem in caught.value.problems] == [
        "The sheet has no goods: expected one row per good under the header."
    ]


def test_a_second_sheet_is_refused(supplier, imported):
    data = workbook_bytes([HEADER, [1, 5, "Кабели", "", "Кабель", 10, 12, 3]], sheets=2)
    problems = refused(supplier, data, "two.xlsx")
    assert problems[0]["error"] == (
        "The workbook has more than one sheet (2): put the price list on one sheet."
    )


def test_a_header_with_unknown_or_missing_columns_is_refused(supplier, imported):
    data = workbook_bytes([["id", "category", "category_name", "name", "prise", "quantity"]])
    problems = refused(supplier, data, "list.xlsx")
    assert [problem["message"] for problem in problems] == [
        "cell E1: Unknown column “prise”.",
        "row 1: Column “price” is missing.",
        "row 1: Column “price_rrc” is missing.",
    ]


def test_a_column_given_twice_is_refused(supplier, imported):
    """Two columns for one field or one parameter: either value would drop the other."""
    header = [*HEADER, "param:Цвет", "Price", "param: Цвет "]
    data = workbook_bytes([header, [1, 5, "Кабели", "", "Кабель", 10, 12, 3, "a", 11, "b"]])
    problems = refused(supplier, data, "list.xlsx")
    assert [problem["message"] for problem in problems] == [
        "cell J1: Column “price” comes twice.",
        "cell K1: Parameter “Цвет” has another column before this one.",
    ]


def test_a_csv_row_split_by_an_unquoted_separator_is_refused(supplier, imported):
    """A value with a comma and no quotes makes the row longer than the header: the part
    past the header would be lost, so the row is named instead."""
    text = (
        ",".join([*HEADER, "param:Цвет"])
        + "\n1,5,Кабели,,Кабель,10,12,3,чёрный\n"
        + "2,5,Кабели,,Провод,10,12,3,чёрный, матовый\n"
        + "3,5,Кабели,,Шнур,10,12,3,белый,,\n"  # empty fields past the header are nothing
    )
    problems = refused(supplier, text.encode(), "list.csv")
    assert [(problem["message"], problem["column"]) for problem in problems] == [
        (
            "row 3: The row has more values than the header has columns: a value with the "
            "separator in it must be in double quotes.",
            "10",
        )
    ]


def test_not_a_spreadsheet_is_refused(supplier, imported):
    problems = refused(supplier, b"PK\x03\x04 not really a zip", "list.xlsx")
    assert problems[0]["error"] == "Not a valid XLSX file."


def test_one_category_id_with_two_names_is_refused(supplier, imported):
    data = workbook_bytes(
        [HEADER, [1, 5, "Кабели", "", "Кабель", 10, 12, 3], [2, 5, "Провода", "", "Б", 1, 1, 1]]
    )
    problems = refused(supplier, data, "list.xlsx")
    assert [problem["message"] for problem in problems] == [
        "cell C3: category_name: Category 5 is named “Кабели” in an earlier row."
    ]


def test_text_that_looks_like_a_formula_is_exported_as_text(supplier_client, supplier):
    document = shop1_document()
    document["goods"][0]["name"] = '=HYPERLINK("http://evil.example","x")'
    document["goods"][0]["parameters"]["Цвет"] = "+1"
    from tests.support.pricelists import as_yaml

    import_pricelist(supplier=supplier, data=as_yaml(document), source="x.yaml")
    data = exported(supplier_client, "xlsx")
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet["E2"].value == document["goods"][0]["name"]
    assert sheet["E2"].data_type == "s"
    result = import_pricelist(supplier=supplier, data=data, source="x", filename="x.xlsx")
    assert (result.created, result.updated, result.withdrawn) == (0, 0, 0)
    assert catalog_of(supplier) == as_listed(document)


def test_text_that_looks_like_a_formula_is_quoted_in_a_csv_export(supplier_client, supplier):
    from tests.support.pricelists import as_yaml

    document = shop1_document()
    goods = document["goods"]
    goods[0]["name"] = '=HYPERLINK("http://evil.example","x")'
    goods[0]["model"] = "-5"
    goods[0]["parameters"]["Цвет"] = "+1"
    goods[1]["name"] = "'=quoted already"
    goods[1]["model"] = "@SUM(A1)"
    goods[2]["name"] = "'plain apostrophe"
    import_pricelist(supplier=supplier, data=as_yaml(document), source="x.yaml")
    data = exported(supplier_client, "csv")
    rows = list(csv.reader(io.StringIO(data.decode())))
    name, model = rows[0].index("name"), rows[0].index("model")
    assert rows[1][name] == "'" + goods[0]["name"]
    assert rows[1][model] == "'-5"
    assert rows[1][rows[0].index("param:Цвет")] == "'+1"
    assert (rows[2][name], rows[2][model]) == ("''=quoted already", "'@SUM(A1)")
    assert rows[3][name] == "'plain apostrophe"

    result = import_pricelist(supplier=supplier, data=data, source="x", filename="x.csv")
    assert (result.created, result.updated, result.withdrawn) == (0, 0, 0)
    assert catalog_of(supplier) == as_listed(document)

    # Saved again by a spreadsheet program: the apostrophe was never part of the value.
    rows[1][name] = goods[0]["name"] = "=1+2"
    result = import_pricelist(supplier=supplier, data=csv_bytes(rows), source="x", filename="x.csv")
    assert (result.created, result.updated, result.withdrawn) == (0, 1, 0)
    assert catalog_of(supplier) == as_listed(document)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_empty_parameter_value_is_no_parameter_so_a_spreadsheet_round_trips(
    supplier_client, supplier, fmt
):
    from tests.support.pricelists import as_yaml

    document = shop1_document()
    document["goods"][0]["parameters"]["Цвет"] = "  "
    import_pricelist(supplier=supplier, data=as_yaml(document), source="x.yaml")
    del document["goods"][0]["parameters"]["Цвет"]
    assert catalog_of(supplier) == as_listed(document)

    data = exported(supplier_client, fmt)
    result = import_pricelist(supplier=supplier, data=data, source="x", filename=f"x.{fmt}")
    assert (result.created, result.updated, result.withdrawn) == (0, 0, 0)
    assert catalog_of(supplier) == as_listed(document)


def test_problems_are_lines_in_the_suppliers_language(commit_callbacks):
    from tests.support.clients import client_for
    from tests.support.factories import SupplierFactory

    supplier = SupplierFactory(language="ru")
    data = workbook_bytes([HEADER, [1, 5, "Кабели", "", "Кабель", "дорого", 12, 3]])
    with commit_callbacks():
        response = client_for(supplier).post(
            UPDATE,
            {"file": SimpleUploadedFile("list.xlsx", data)},
            format="multipart",
            HTTP_ACCEPT_LANGUAGE="en",
        )
    job = ImportJob.objects.get(pk=response.json()["job"])
    assert [error["message"] for error in job.errors] == [
        "goods[0] (id 1), ячейка F2: price: Ожидается число."
    ]
    assert not Offer.objects.exists()


def test_the_export_command_writes_xlsx_to_a_file_only(supplier, imported, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="give --output"):
        call_command("export_pricelist", "--shop", str(imported.pk), "--format", "xlsx")
    path = tmp_path / "list.xlsx"
    call_command(
        "export_pricelist", "--shop", str(imported.pk), "--format", "xlsx", "--output", str(path)
    )
    result = import_pricelist(
        supplier=supplier, data=path.read_bytes(), source="x", filename="x.xlsx"
    )
    assert (result.created, result.updated, result.withdrawn) == (0, 0, 0)


def test_the_admin_exports_a_shop_as_xlsx(staff_client, imported):
    response = staff_client.post(
        "/admin/catalog/shop/",
        {"action": "export_xlsx", "_selected_action": [imported.pk]},
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [cell.value for cell in sheet[1]][:8] == HEADER
    assert sheet.max_row == 15


def test_a_csv_of_ten_thousand_columns_is_refused(supplier, imported):
    header = ",".join([*HEADER, *(f"param:p{number}" for number in range(10_000))])
    problems = refused(supplier, (header + "\n").encode(), "wide.csv")
    assert problems[0]["error"] == "The header row has 10008 columns; at most 1000 are allowed."


def test_a_csv_line_of_millions_of_fields_is_refused_before_it_is_split(supplier, imported):
    """The csv module splits a whole line before handing it over: a line longer than any row
    a price list needs is refused as it is read."""
    text = ",".join(HEADER) + "\n1,5,Кабели,,Кабель,10,12,3," + ",".join(["12"] * 400_000)
    problems = refused(supplier, text.encode(), "wide.csv")
    assert [problem["message"] for problem in problems] == [
        "Line 2 is longer than 1000000 characters."
    ]


def test_a_url_with_a_query_is_read_by_its_path(supplier):
    from procurement.pricelists.sheets import is_sheet, read_sheet

    text = ",".join(HEADER) + "\n1,5,Кабели,,Кабель,10,12,3\n"
    url = "https://example.com/prices.CSV?key=1#top"
    assert is_sheet(url, text.encode())
    goods = [
        item for section, _index, item in read_sheet(text.encode(), url).items if section == "goods"
    ]
    assert goods[0]["name"] == "Кабель"


@pytest.mark.parametrize(
    "part, error",
    [
        (
            "xl/worksheets/sheet1.xml",
            "The sheet holds a comment, CDATA or a DTD, which no spreadsheet writes.",
        ),
        ("xl/workbook.xml", "Not a valid XLSX file."),
    ],
)
def test_xml_entities_in_a_workbook_are_refused(supplier, imported, part, error):
    """A DTD declaring entities (the start of an expansion bomb, or of an external entity
    reading a local file) is refused, not expanded: in the sheet before openpyxl reads it,
    elsewhere by defusedxml, which openpyxl reads through."""
    data = workbook_bytes(ONE_GOOD)

    def change(name: str, content: bytes) -> bytes:
        if name != part:
            return content
        content = (
            b'<!DOCTYPE worksheet [<!ENTITY a "1111111111">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' + content
        )
        if name == SHEET:
            assert b"<v>10</v>" in content
            content = content.replace(b"<v>10</v>", b"<v>&b;</v>", 1)
        return content

    problems = refused(supplier, rewritten(data, change), "entities.xlsx")
    assert problems[0]["error"] == error


SPREADSHEETS = ["csv", "xlsx", "xlsx saved with shared strings"]


def reimported_unchanged(supplier_client, supplier, fmt: str, document: dict) -> bytes:
    """Import `document`, export it as `fmt` (one of SPREADSHEETS) and import that: nothing
    may change. → the exported file, before any saving with shared strings."""
    import_pricelist(supplier=supplier, data=as_json(document), source="x", filename="x.json")
    assert catalog_of(supplier) == as_listed(document)
    before = catalog_snapshot()
    exported_file = data = exported(supplier_client, fmt[:4].strip())
    if fmt.endswith("shared strings"):
        data = with_shared_strings(data)
    result = import_pricelist(supplier=supplier, data=data, source="x", filename="x." + fmt[:4])
    assert (result.created, result.updated, result.withdrawn) == (0, 0, 0)
    assert catalog_snapshot() == before
    assert catalog_of(supplier) == as_listed(document)
    return exported_file


@pytest.mark.parametrize("fmt", SPREADSHEETS)
def test_ids_up_to_2_63_round_trip_exactly(supplier_client, supplier, fmt):
    """A spreadsheet's number holds 15 digits; a good's or a category's id up to 2**63 - 1
    still comes back exact."""
    document = shop1_document()
    goods = document["goods"]
    largest = 2**63 - 1
    document["categories"] += [
        {"id": largest, "name": "Самая большая"},
        {"id": 2**53 + 1, "name": "Без товаров"},  # a row of only a category
    ]
    goods[0]["id"] = 2**53 + 1
    goods[1].update(id=largest, category=largest)
    goods[2]["id"] = 10**15
    data = reimported_unchanged(supplier_client, supplier, fmt, document)
    if fmt.startswith("xlsx"):
        sheet = load_workbook(io.BytesIO(data), read_only=True).active
        ids = [row[:2] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert (str(2**53 + 1), 224) in ids and (str(largest), str(largest)) in ids
        assert (None, str(2**53 + 1)) in ids and (str(10**15), 224) in ids
        assert (goods[3]["id"], 224) in ids  # an id a spreadsheet holds exactly is a number


# Text each import format takes as it is: control characters, carriage returns, and text
# that looks like an XLSX file's escape of a character (`_x0041_` stands for "A" there).
AWKWARD_TEXT = {
    "bell": "Смартфон\x07 Apple",
    "escape": "a\x1b[31mb",
    "carriage return": "Кабель\rАдаптер",
    "line end": "Кабель\r\nАдаптер",
    "tab": "Смартфон\tXR\nновый",
    "looks escaped": "_x0041_ и _x005F_",
    "escaped twice": "_x005F_x0041_ _x005f_x000d_",
    "half an escape": "x005F_ и _x12_ и _x00_x0041_ и _xD800_",
    "not XML": "Кабель\ufffe\uffff",
}


@pytest.mark.parametrize("fmt", SPREADSHEETS)
def test_text_round_trips_character_for_character(supplier_client, supplier, fmt):
    document = shop1_document()
    document["categories"][0]["name"] += "\x07\r\n" + AWKWARD_TEXT["looks escaped"]
    for good, (key, text) in zip(document["goods"], AWKWARD_TEXT.items(), strict=False):
        good["name"] = good["model"] = good["parameters"]["Цвет"] = text
        good["parameters"][f"{key}\x1b\r{text[:7]}."] = text
    data = reimported_unchanged(supplier_client, supplier, fmt, document)
    if fmt.startswith("xlsx"):
        # As a spreadsheet program writes it, which reads it so too.
        sheet = zipfile.ZipFile(io.BytesIO(data)).read(SHEET).decode()
        assert ">Смартфон_x0007_ Apple<" in sheet and ">Кабель_x000D_\nАдаптер<" in sheet
        assert ">_x005F_x0041_ и _x005F_x005F_<" in sheet


def test_a_workbooks_escaped_characters_are_read_as_a_spreadsheet_program_reads_them(
    supplier, imported
):
    rows = [
        [*HEADER, "param:Цв_x000D_ет"],
        [1, 5, "Кабели_x0007_", "_xD800_", "Кабель_x000d_\nUSB", 10, 12, 3, "_x005F_x0041_"],
    ]
    import_pricelist(supplier=supplier, data=workbook_bytes(rows), source="x", filename="x.xlsx")
    assert catalog_of(supplier) == {
        1: (5, "Кабель\r\nUSB", "_xD800_", Decimal(10), Decimal(12), 3, {"Цв\rет": "_x0041_"})
    }
    assert Category.objects.get(pk=5).name == "Кабели\x07"
