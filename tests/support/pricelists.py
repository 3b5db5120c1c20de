"""Price lists for tests: the demo file, generated ones, changed copies, and a snapshot
of everything an import may write."""

import copy
import json
from pathlib import Path

import yaml

from procurement.catalog.models import (
    Category,
    Offer,
    OfferParameter,
    Parameter,
    Product,
    Shop,
)

DEMO = Path(__file__).resolve().parents[2] / "procurement" / "pricelists" / "demo"


def shop1_bytes() -> bytes:
    return (DEMO / "shop1.yaml").read_bytes()


def shop1_document() -> dict:
    return yaml.safe_load(shop1_bytes())


def as_yaml(document) -> bytes:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False).encode()


def as_json(document) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


def generated(goods: int, *, shop: str = "Generated", first_id: int = 1) -> dict:
    categories = [{"id": 900 + number, "name": f"Category {number}"} for number in range(5)]
    return {
        "shop": shop,
        "categories": categories,
        "goods": [
            {
                "id": first_id + number,
                "category": categories[number % 5]["id"],
                "model": f"brand/model-{number}",
                "name": f"Product {number}",
                "price": 100 + number,
                "price_rrc": 120.5 + number,
                "quantity": number % 7,
                "parameters": {"Цвет": "черный", "Вес": number, "Smart": number % 2 == 0},
            }
            for number in range(goods)
        ],
    }


def with_good(document: dict, index: int, **changes) -> dict:
    """A deep copy of `document` with good `index` changed; a value of ... removes the field."""
    changed = copy.deepcopy(document)
    for field, value in changes.items():
        if value is ...:
            changed["goods"][index].pop(field, None)
        else:
            changed["goods"][index][field] = value
    return changed


def catalog_snapshot() -> dict:
    """Everything an import may write, for asserting that a refused import wrote nothing."""
    return {
        "shops": list(
            Shop.objects.values_list("id", "name", "user_id", "accepts_orders", "updated_at")
        ),
        "categories": list(Category.objects.values_list("id", "name")),
        "links": list(Category.shops.through.objects.values_list("shop_id", "category_id")),
        "products": list(Product.objects.values_list("id", "category_id", "name")),
        "offers": list(Offer.objects.order_by("id").values_list()),
        "parameters": list(Parameter.objects.values_list("id", "name")),
        "offer_parameters": list(OfferParameter.objects.order_by("id").values_list()),
    }
