"""Each list or detail, and placing an order, runs the same number of queries whatever the
number of lines, shops or orders."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procurement.catalog.models import Offer
from procurement.orders.models import Order
from tests.support.clients import client_for
from tests.support.factories import OfferFactory, ShopFactory
from tests.support.orders import fill_basket, place

pytestmark = pytest.mark.django_db


def queries_for(client, path) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert response.status_code == 200
    return len(context.captured_queries)


def offers(shop, count):
    return [
        OfferFactory(shop=shop, quantity=100, parameters={"Цвет": "синий"}) for _ in range(count)
    ]


def test_basket_queries_do_not_grow_with_lines(buyer, buyer_client, shop):
    fill_basket(buyer, *[(offer, 1) for offer in offers(shop, 1)])
    one_line = queries_for(buyer_client, "/api/v1/basket")
    fill_basket(buyer, *[(offer, 1) for offer in offers(shop, 15)])
    assert queries_for(buyer_client, "/api/v1/basket") == one_line
    assert one_line <= 5


def test_order_list_and_detail_queries_do_not_grow(buyer, buyer_client, contact, shop):
    small = place(buyer, contact, *[(offer, 1) for offer in offers(shop, 1)])
    list_one = queries_for(buyer_client, "/api/v1/order")
    detail_one = queries_for(buyer_client, f"/api/v1/order/{small.id}")
    shops = [shop, ShopFactory(), ShopFactory()]
    big = place(buyer, contact, *[(offer, 1) for each in shops for offer in offers(each, 4)])
    for _ in range(5):
        place(buyer, contact, *[(offer, 1) for offer in offers(shop, 2)])
    assert queries_for(buyer_client, "/api/v1/order") == list_one
    assert queries_for(buyer_client, f"/api/v1/order/{big.id}") == detail_one
    assert list_one <= 3
    # the lines, their offers' parameters, the history, the parts, their history and their
    # short deliveries
    assert detail_one <= 8


def test_partner_orders_queries_do_not_grow(buyer, contact, shop):
    supplier_client = client_for(shop.user)
    place(buyer, contact, *[(offer, 1) for offer in offers(shop, 1)])
    one_order = queries_for(supplier_client, "/api/v1/partner/orders")
    one_detail = queries_for(supplier_client, f"/api/v1/partner/orders/{Order.placed.get().pk}")
    for _ in range(6):
        other = offers(ShopFactory(), 2)
        order = place(buyer, contact, *[(offer, 1) for offer in [*offers(shop, 3), *other]])
    assert queries_for(supplier_client, "/api/v1/partner/orders") == one_order
    assert queries_for(supplier_client, f"/api/v1/partner/orders/{order.pk}") == one_detail
    assert one_order <= 9


def queries_to_place(client, buyer, contact, offers_in_basket) -> int:
    basket = fill_basket(buyer, *[(offer, 1) for offer in offers_in_basket])
    with CaptureQueriesContext(connection) as context:
        response = client.post("/api/v1/order", {"id": basket.id, "contact": contact.id})
    assert response.status_code == 200, response.json()
    return len(context.captured_queries)


def test_placing_an_order_runs_the_same_queries_whatever_its_size(
    buyer, buyer_client, contact, shop
):
    one_line = queries_to_place(buyer_client, buyer, contact, offers(shop, 1))
    shops = [shop, ShopFactory(), ShopFactory()]
    twelve_lines = queries_to_place(
        buyer_client, buyer, contact, [offer for each in shops for offer in offers(each, 4)]
    )
    assert twelve_lines == one_line
    # token, BEGIN, basket, contact, the offers locked, lines, stock, snapshots, order,
    # history, parts, their history, emails, COMMIT
    assert one_line <= 14


def queries_to_cancel(client, order) -> list[str]:
    with CaptureQueriesContext(connection) as context:
        response = client.patch(f"/api/v1/order/{order.id}", {"state": "canceled"}, format="json")
    assert response.status_code == 200, response.json()
    return [query["sql"] for query in context.captured_queries]


def test_canceling_returns_the_stock_of_every_line_in_one_statement(
    buyer, buyer_client, contact, shop
):
    small = place(buyer, contact, *[(offer, 2) for offer in offers(shop, 1)])
    shops = [shop, ShopFactory(), ShopFactory()]
    twelve = [offer for each in shops for offer in offers(each, 4)]
    big = place(buyer, contact, *[(offer, 3) for offer in twelve])
    assert set(
        Offer.objects.filter(pk__in=[o.pk for o in twelve]).values_list("quantity", flat=True)
    ) == {97}

    one_line = queries_to_cancel(buyer_client, small)
    twelve_lines = queries_to_cancel(buyer_client, big)

    assert len(twelve_lines) == len(one_line)
    writes = [sql for sql in twelve_lines if re.search(r"\bUPDATE\s+\"catalog_offer\"", sql)]
    assert len(writes) == 1
    assert set(Offer.objects.values_list("quantity", flat=True)) == {100}
