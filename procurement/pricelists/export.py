"""A shop's current price list, in the import format, produced in chunks for streaming.

YAML and JSON follow the import schema exactly, so an export re-imports to the same
catalog. CSV has one row per good with the columns CSV_COLUMNS; `parameters` holds a
JSON object (name → value), and `category_name` the name of the good's category.
"""

import csv
import io
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from itertools import islice

import yaml
from django.db.models import Prefetch, Q, QuerySet

from procurement.catalog.models import Category, Offer, OfferParameter, Shop
from procurement.catalog.offers import SHOWN_FIELDS
from procurement.pricelists.models import ExportFormat

BATCH = 1000
CSV_COLUMNS = [
    "id",
    "category",
    "category_name",
    "model",
    "name",
    "price",
    "price_rrc",
    "quantity",
    "parameters",
]
CONTENT_TYPES: dict[str, str] = {
    ExportFormat.YAML: "application/yaml; charset=utf-8",
    ExportFormat.JSON: "application/json",
    ExportFormat.CSV: "text/csv; charset=utf-8",
}
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def export_filename(shop: Shop, fmt: str) -> str:
    return f"pricelist-shop-{shop.pk}.{fmt}"


def export_chunks(*, shop: Shop, fmt: str) -> Iterator[bytes]:
    """The shop's non-withdrawn offers as a file in `fmt`, a few hundred goods per chunk."""
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


def _csv(shop: Shop) -> Iterator[str]:
    names = {category["id"]: category["name"] for category in _categories(shop)}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for batch in _goods(shop):
        for good in batch:
            writer.writerow(
                [
                    good["id"],
                    good["category"],
                    names.get(good["category"], ""),
                    good["model"],
                    good["name"],
                    f"{good['price']:.2f}",
                    f"{good['price_rrc']:.2f}",
                    good["quantity"],
                    json.dumps(good["parameters"], ensure_ascii=False),
                ]
            )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():  # no goods: only the header row
        yield buffer.getvalue()
