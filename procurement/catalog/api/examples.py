"""Example values of the catalog's answers, shown in the OpenAPI schema."""

from typing import Any

OFFER: dict[str, Any] = {
    "id": 12,
    "external_id": 4216292,
    "model": "apple/iphone/xs-max",
    "product": {
        "id": 5,
        "name": "Смартфон Apple iPhone XS Max 512GB (золотистый)",
        "category": 224,
    },
    "shop": {"id": 1, "name": "Связной"},
    "quantity": 14,
    "price": "110000.00",
    "price_rrc": "116990.00",
    "product_parameters": [
        {"parameter": "Диагональ (дюйм)", "value": "6.5"},
        {"parameter": "Цвет", "value": "золотистый"},
    ],
}
