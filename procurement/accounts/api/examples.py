"""Example values of the accounts' answers, shown in the OpenAPI schema."""

from typing import Any

DETAILS: dict[str, Any] = {
    "id": 7,
    "first_name": "Анна",
    "last_name": "Смирнова",
    "email": "anna.smirnova@example.com",
    "company": "ООО «Ромашка»",
    "position": "Закупщик",
    "type": "buyer",
    "contacts": [
        {
            "id": 3,
            "city": "Москва",
            "street": "Тверская",
            "house": "12",
            "structure": "1",
            "building": "",
            "apartment": "45",
            "phone": "+79161234567",
        }
    ],
}

CONTACT = DETAILS["contacts"][0]
