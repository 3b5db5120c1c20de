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

PLACED_AT = "2025-03-14T09:26:53.589000+00:00"
CANCELED_AT = "2025-03-14T10:02:11.204000+00:00"
CONFIRMED_AT = "2025-03-14T11:15:40.027000+00:00"

PART: dict[str, Any] = {
    "id": 7,
    "shop": OFFER["shop"],
    "state": "new",
    "sum": "220000.00",
    "items": [PLACED_LINE["id"]],
    "history": [{"state": "new", "at": PLACED_AT, "by": "buyer"}],
    "short_deliveries": [],
}

ORDER: dict[str, Any] = {
    "id": 41,
    "dt": PLACED_AT,
    "state": "new",
    "total_sum": "220000.00",
    "contact": ADDRESS,
    "ordered_items": [PLACED_LINE],
    "history": [{"state": "new", "at": PLACED_AT}],
    "parts": [PART],
}

ORDER_CANCELED: dict[str, Any] = {
    **ORDER,
    "state": "canceled",
    "history": [*ORDER["history"], {"state": "canceled", "at": CANCELED_AT}],
    "parts": [
        {
            **PART,
            "state": "canceled",
            "history": [*PART["history"], {"state": "canceled", "at": CANCELED_AT, "by": "buyer"}],
        }
    ],
}

SUPPLIER_ORDER: dict[str, Any] = {
    "id": ORDER["id"],
    "dt": PLACED_AT,
    "state": "new",
    "order_state": "new",
    "total_sum": "220000.00",
    "contact": ADDRESS,
    "ordered_items": [PLACED_LINE],
    "part": PART,
}

SUPPLIER_ORDER_CONFIRMED: dict[str, Any] = {
    **SUPPLIER_ORDER,
    "state": "confirmed",
    "order_state": "confirmed",
    "part": {
        **PART,
        "state": "confirmed",
        "history": [
            *PART["history"],
            {"state": "confirmed", "at": CONFIRMED_AT, "by": "supplier"},
        ],
    },
}
