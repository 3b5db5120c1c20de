import io

import pytest
from django.core.management import call_command

from procurement.catalog.models import Offer, Product, Shop

pytestmark = pytest.mark.django_db


def test_load_demo_imports_both_demo_shops_idempotently():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "supplier2@example.com" in out.getvalue()
    shops = {shop.user.email: shop for shop in Shop.objects.select_related("user")}
    assert shops["supplier@example.com"].name == "Связной"
    assert shops["supplier2@example.com"].name == "Техносила"
    assert Offer.objects.filter(shop=shops["supplier2@example.com"]).count() == 15
    shared = Product.objects.filter(offers__shop=shops["supplier@example.com"]).filter(
        offers__shop=shops["supplier2@example.com"]
    )
    assert shared.count() >= 4, "some products are offered by both shops"
    before = list(Offer.objects.order_by("id").values_list())

    again = io.StringIO()
    call_command("load_demo", stdout=again)
    assert "0 created, 0 updated, 0 withdrawn" in again.getvalue()
    assert list(Offer.objects.order_by("id").values_list()) == before
