"""A price-list import never deletes nor changes a placed order's parts: offers that leave
the list are withdrawn, the shop keeps its parts whatever it is renamed to."""

import pytest
from django.db.models import ProtectedError

from procurement.catalog.models import Offer, Shop
from procurement.catalog.services import supplier_rename_shop
from procurement.orders.models import OrderPart, OrderPartStateChange
from procurement.orders.services import supplier_part_set_state
from procurement.pricelists.services import import_pricelist
from tests.support.orders import place
from tests.support.pricelists import as_yaml, generated

pytestmark = pytest.mark.django_db


def run(supplier, document):
    return import_pricelist(supplier=supplier, data=as_yaml(document), source="test")


def test_an_import_without_the_ordered_goods_keeps_the_parts(supplier, buyer, contact):
    run(supplier, generated(3, shop="Связной"))
    shop = Shop.objects.get(user=supplier)
    ordered = Offer.objects.filter(shop=shop, quantity__gt=0).order_by("pk").first()
    order = place(buyer, contact, (ordered, 1))
    supplier_part_set_state(order_id=order.pk, state="confirmed", supplier=supplier)
    before = list(OrderPart.objects.values())
    history_before = list(OrderPartStateChange.objects.values())

    # The next list holds other goods only; then the supplier renames its shop.
    run(supplier, generated(2, shop="Связной", first_id=100))
    supplier_rename_shop(supplier=supplier, name="Связной-2")

    assert Offer.objects.get(pk=ordered.pk).is_withdrawn is True
    assert Shop.objects.get(pk=shop.pk).name == "Связной-2"
    assert list(OrderPart.objects.values()) == before
    assert list(OrderPartStateChange.objects.values()) == history_before
    assert OrderPart.objects.get(order=order).shop_name == "Связной"


def test_a_shop_with_parts_cannot_be_deleted(supplier, buyer, contact):
    run(supplier, generated(2, shop="Связной"))
    place(buyer, contact, (Offer.objects.get(shop__user=supplier, quantity__gt=0), 1))
    with pytest.raises(ProtectedError):
        OrderPart.objects.get().shop.delete()
    assert OrderPart.objects.count() == 1
