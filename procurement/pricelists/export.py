"""A shop's current price list, in the import format, produced in chunks for streaming.

YAML and JSON follow the import schema exactly, so an export re-imports to the same
catalog. CSV and XLSX are the spreadsheet form the import reads too (`sheets`): one row per
good, the columns `sheets.FIELDS`, then one `param:<name>` column per parameter the shop's
goods have, in the order they first appear; a category the shop lists without a good in it
has a row of its own, with only its id and name. In XLSX an id of more than 15 digits is a
text cell of its digits.
"""

import csv
import io
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from itertools import islice
from typing import Any

import yaml
from django.db.models import Min, Prefetch, Q, QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from procurement.catalog.models import Category, Offer, OfferParameter, Shop
from procurement.catalog.offers import SHOWN_FIELDS
from procurement.pricelists.models import ExportFormat
from procurement.pricelists.sheets import FIELDS, PARAMETER, csv_text
from procurement.pricelists.workbook import escaped

BATCH = 1000
XLSX_CHUNK = 64 * 1024
# A spreadsheet program keeps 15 significant digits of a number, and a cell's number is read
# back as a double, exact only up to 2**53: an id from here on (ids go up to 2**63 - 1) is
# written as text, which the import reads as the same whole number.
XLSX_LARGEST_NUMBER = 10**15 - 1
CONTENT_TYPES: dict[str, str] = {
    ExportFormat.YAML: "application/yaml; charset=utf-8",
    ExportFormat.JSON: "application/json",
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Each format's media type, without its parameters: what the schema documents for the file,
# and what a request's Accept header names.
MEDIA_TYPES: dict[str, str] = {
    fmt: content_type.split(";")[0] for fmt, content_type in CONTENT_TYPES.items()
}
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def export_filename(shop: Shop, fmt: str) -> str:
    return f"pricelist-shop-{shop.pk}.{fmt}"


def export_chunks(*, shop: Shop, fmt: str) -> Iterator[bytes]:
    """The shop's non-withdrawn offers as a file in `fmt`, a few hundred goods per chunk."""
    if fmt == ExportFormat.XLSX:
        yield from _xlsx(shop)
        return
    writers: dict[str, Callable[[Shop], Iterator[str]]] = {
        ExportFormat.YAML: _yaml,
        ExportFormat.JSON: _json,
        ExportFormat.CSV: _csv,
    }
    writer = writers[fmt]
    for text in writer(shop):
        yield text.encode("utf-8")


def _current_offers(shop: Shop) -> QuerySet[Offer]:
    parameters = OfferParameter.objects.select_related("parameter").order_by("id")
    return (
        Offer.objects.filter(shop=shop, is_withdrawn=False)
        .select_related("product")
        .only(*(field.name for field in SHOWN_FIELDS), "product__name", "product__category")
        .prefetch_related(Prefetch("parameters", queryset=parameters))
        .order_by("id")
    )


def _categories(shop: Shop) -> list[dict]:
    in_use = _current_offers(shop).values("product__category_id")
    categories = Category.objects.filter(Q(shops=shop) | Q(id__in=in_use)).distinct().order_by("id")
    return [{"id": category.id, "name": category.name} for category in categories]


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _goods(shop: Shop) -> Iterator[list[dict]]:
    """Batches of goods in the import schema."""
    offers = _current_offers(shop).iterator(chunk_size=BATCH)
    while batch := list(islice(offers, BATCH)):
        yield [
            {
                "id": offer.external_id,
                "category": offer.product.category_id,
                "model": offer.model,
                "name": offer.product.name,
                "price": _number(offer.price),
                "price_rrc": _number(offer.price_rrc),
                "quantity": offer.quantity,
                "parameters": {item.parameter.name: item.value for item in offer.parameters.all()},
            }
            for offer in batch
        ]


def _dump_yaml(data: object) -> str:
    return yaml.dump(
        data,
        Dumper=_DUMPER,
        allow_unicode=True,
        sort_keys=False,
        width=4096,
        default_flow_style=False,
    )


def _yaml(shop: Shop) -> Iterator[str]:
    yield _dump_yaml({"shop": shop.name, "categories": _categories(shop)})
    empty = True
    for batch in _goods(shop):
        if empty:
            yield "goods:\n"
            empty = False
        yield _dump_yaml(batch)
    if empty:
        yield "goods: []\n"


def _json(shop: Shop) -> Iterator[str]:
    header = {"shop": shop.name, "categories": _categories(shop)}
    yield json.dumps(header, ensure_ascii=False)[:-1] + ', "goods": ['
    separator = ""
    for batch in _goods(shop):
        yield separator + ",\n".join(json.dumps(good, ensure_ascii=False) for good in batch)
        separator = ",\n"
    yield "]}\n"


def _parameter_names(shop: Shop) -> list[str]:
    """The parameters of the shop's current goods, in the order they first appear."""
    rows = (
        OfferParameter.objects.filter(offer__shop=shop, offer__is_withdrawn=False)
        .values("parameter__name")
        .annotate(first=Min("id"))
        .order_by("first")
    )
    return [row["parameter__name"] for row in rows]


def _rows(shop: Shop) -> Iterator[list[list[Any]]]:
    """The spreadsheet form: the header row, then batches of one row per good, then a row
    of only its id and name for each category the shop lists without a good in it."""
    names = {category["id"]: category["name"] for category in _categories(shop)}
    parameters = _parameter_names(shop)
    yield [[*FIELDS, *(PARAMETER + name for name in parameters)]]
    without_goods = dict(names)
    for batch in _goods(shop):
        for good in batch:
            without_goods.pop(good["category"], None)
        yield [
            [
                good["id"],
                good["category"],
                names.get(good["category"], ""),
                good["model"],
                good["name"],
                Decimal(str(good["price"])).quantize(Decimal("0.01")),
                Decimal(str(good["price_rrc"])).quantize(Decimal("0.01")),
                good["quantity"],
                *(good["parameters"].get(name, "") for name in parameters),
            ]
            for good in batch
        ]
    blank = [None] * (len(FIELDS) - 3 + len(parameters))
    yield [[None, category_id, name, *blank] for category_id, name in without_goods.items()]


def _csv(shop: Shop) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for batch in _rows(shop):
        writer.writerows(
            [csv_text(value) if isinstance(value, str) else value for value in row] for row in batch
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _xlsx(shop: Shop) -> Iterator[bytes]:
    """An XLSX workbook of one sheet, written row by row (openpyxl's write-only mode)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("price list")
    for batch in _rows(shop):
        for row in batch:
            sheet.append([_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    content = buffer.getvalue()
    for start in range(0, len(content), XLSX_CHUNK):
        yield content[start : start + XLSX_CHUNK]


def _cell(sheet: Any, value: Any) -> Any:
    """Text stays text: one starting with `=` would otherwise be written as a formula, and
    what XML cannot carry as it is (control characters, a carriage return) is escaped as a
    spreadsheet program writes it, so that the import reads every character back. A whole
    number too long for a spreadsheet's number is written as its digits."""
    if isinstance(value, int) and abs(value) > XLSX_LARGEST_NUMBER:
        value = str(value)
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=escaped(value))
    cell.data_type = "s"
    return cell
