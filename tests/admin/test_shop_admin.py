"""Unticking a supplier's "active" in the admin closes its shop; the shop list shows why."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from procurement.catalog.models import Shop
from tests.support.clients import client_for
from tests.support.factories import ShopFactory

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


def long_unchanged(*shops) -> datetime:
    """Mark the shops as last changed a day ago; returns that moment."""
    day_ago = timezone.now() - timedelta(days=1)
    Shop.objects.filter(pk__in=[shop.pk for shop in shops]).update(updated_at=day_ago)
    return day_ago


def test_the_admins_intake_actions_change_shops_as_the_supplier_does(staff_client):
    first, second, untouched = ShopFactory(), ShopFactory(), ShopFactory()
    day_ago = long_unchanged(first, second, untouched)

    response = staff_client.post(
        SHOP_CHANGELIST,
        {"action": "close_intake", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "2 shops changed." in response.content.decode()
    changed = {shop.pk: shop for shop in Shop.objects.all()}
    # shop_set_accepts_orders records when each shop changed; a bulk update of the column would not
    assert [
        (changed[shop.pk].accepts_orders, changed[shop.pk].updated_at > day_ago)
        for shop in (first, second)
    ] == [(False, True), (False, True)]
    assert (changed[untouched.pk].accepts_orders, changed[untouched.pk].updated_at) == (
        True,
        day_ago,
    )


def test_switching_intake_in_the_admins_list_goes_through_the_same_service(staff_client):
    shop = ShopFactory(name="Связной")
    day_ago = long_unchanged(shop)

    response = staff_client.post(
        SHOP_CHANGELIST,
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000",
            "form-0-id": str(shop.pk),
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    shop.refresh_from_db()
    assert (shop.name, shop.accepts_orders) == ("Связной", False)
    assert shop.updated_at > day_ago
    supplier = client_for(shop.user)
    assert supplier.get("/api/v1/partner/state").json()["state"] is False
