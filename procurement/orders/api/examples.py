"""Example values of the basket's and orders' answers, shown in the OpenAPI schema."""

from typing import Any

from procurement.catalog.api.examples import OFFER

BASKET: dict[str, Any] = {
    "id": 41,
    "state": "basket",
    "ordered_items": [
        {"id": 101, "product_info": OFFER, "quantity": 2, "sum": "220000.00"},
    ],
    "total_sum": "220000.00",
}

PLACED_LINE: dict[str, Any] = {
    "id": 101,
    "product_info": OFFER,
    "product_name": OFFER["product"]["name"],
    "model": OFFER["model"],
    "shop": OFFER["shop"],
    "quantity": 2,
    "price": "110000.00",
    "sum": "220000.00",
}

ADDRESS: dict[str, Any] = {
    "id": 3,
    "city": "Москва",
    "street": "Тверская",
    "house": "12",
    "structure": "1",
    "building": "",
    "apartment": "45",
    "phone": "+79161234567",
}

ORDER: dict[str, Any] = {
    "id": 41,
    "dt": "2025-03-14T09:26:53.589000+00:00",
    "state": "new",
    "total_sum": "220000.00",
    "contact": ADDRESS,
    "ordered_items": [PLACED_LINE],
    "history": [{"state": "new", "at": "2025-03-14T09:26:53.589000+00:00"}],
}
