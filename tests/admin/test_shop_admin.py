"""Unticking a supplier's "active" in the admin closes its shop; the shop list shows why."""

import pytest
from rest_framework.test import APIClient

from procurement.catalog.models import Shop
from tests.catalog.factories import ShopFactory

pytestmark = pytest.mark.django_db

SHOP_CHANGELIST = "/admin/catalog/shop/"


def user_change_form(user, **changes) -> dict:
    """The admin's change form of a user as it comes, with `changes` applied."""
    data = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "company": user.company,
        "position": user.position,
        "type": user.type,
        "language": user.language,
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "contacts-TOTAL_FORMS": "0",
        "contacts-INITIAL_FORMS": "0",
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "1000",
        "is_active": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def accepting(staff_client) -> dict[str, tuple[bool, bool]]:
    response = staff_client.get(SHOP_CHANGELIST)
    assert response.status_code == 200
    model_admin = response.context["cl"].model_admin
    return {
        shop.name: (shop.accepts_orders, model_admin.open_for_orders(shop))
        for shop in response.context["cl"].result_list
    }


def test_unticking_active_in_the_admin_closes_the_shop_and_keeps_its_switch(staff_client):
    shop = ShopFactory(name="Связной")
    ShopFactory(name="Без владельца", user=None)
    supplier = shop.user
    assert accepting(staff_client) == {"Связной": (True, True), "Без владельца": (True, False)}

    response = staff_client.post(
        f"/admin/accounts/user/{supplier.pk}/change/", user_change_form(supplier, is_active=None)
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    supplier.refresh_from_db()
    assert supplier.is_active is False

    assert accepting(staff_client) == {"Связной": (True, False), "Без владельца": (True, False)}
    assert APIClient().get("/api/v1/shops").json()["count"] == 0

    response = staff_client.post(
        f"/admin/accounts/user/{supplier.pk}/change/", user_change_form(supplier)
    )
    assert response.status_code == 302
    assert accepting(staff_client)["Связной"] == (True, True)
    assert [row["id"] for row in APIClient().get("/api/v1/shops").json()["results"]] == [shop.pk]
    assert Shop.objects.get(pk=shop.pk).accepts_orders is True
