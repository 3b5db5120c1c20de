"""The migrations that gave the offer, the shop's switch, the order's time and the jobs'
supplier their names keep every row, the offer counts kept by triggers, the search and its
index, and leave no database object named after the old tables or columns."""

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient

from procurement.catalog.models import Offer, OfferParameter, Shop
from procurement.orders import services
from procurement.orders.models import Order, OrderItem, OrderState
from procurement.pricelists.models import ExportJob, ImportJob
from tests.support.factories import ContactFactory, SupplierFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("catalog", "0005_shop_state_is_the_suppliers_switch"),
    ("orders", "0001_initial"),
    ("pricelists", "0004_job_lease"),
]
OLD_NAMES = re.compile(r"productinfo|productparam|product_info|owner_id|exportjob_user_id|_state_")
TRIGRAM_INDEX = "offer_search_text_trgm_idx"
PLACED_AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def migrate(targets):
    """Migrate to `targets` → the apps (historical models) of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def old_apps():
    """The schema before the renames; the database is migrated back to the latest afterwards."""
    try:
        yield migrate(BEFORE)
    finally:
        migrate(latest())


def database_object_names() -> set[str]:
    """Tables, indexes, constraints, sequences and triggers of the project's apps."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
                "UNION SELECT conname FROM pg_constraint "
                "WHERE connamespace = 'public'::regnamespace "
                "UNION SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
            )
        else:
            cursor.execute("SELECT name FROM sqlite_master")
        names = {name for (name,) in cursor.fetchall()}
    return {name for name in names if re.match(r"(catalog|orders|pricelists|offer|shop)", name)}


def fill_the_old_schema(apps) -> dict:
    """Rows as the code before the renames wrote them (its models, its names)."""
    shop_model = apps.get_model("catalog", "Shop")
    supplier, closed_supplier, buyer = SupplierFactory(), SupplierFactory(), UserFactory()
    shop = shop_model.objects.create(name="Связной", user_id=supplier.pk, state=True)
    closed = shop_model.objects.create(name="Закрыт", user_id=closed_supplier.pk, state=False)
    category = apps.get_model("catalog", "Category").objects.create(id=224, name="Смартфоны")
    product = apps.get_model("catalog", "Product").objects.create(
        name="Смартфон Apple", category=category
    )
    parameter = apps.get_model("catalog", "Parameter").objects.create(name="Цвет")
    product_info = apps.get_model("catalog", "ProductInfo")
    offers = [
        product_info.objects.create(
            product=product,
            shop=owner_shop,
            external_id=external_id,
            model="apple/iphone",
            quantity=10,
            price=Decimal("100.00"),
            price_rrc=Decimal("120.00"),
            is_withdrawn=withdrawn,
            search_text="смартфон apple apple/iphone золотистый",
        )
        for owner_shop, external_id, withdrawn in [
            (shop, 1, False),
            (shop, 2, False),
            (shop, 3, True),
            (closed, 1, False),
        ]
    ]
    apps.get_model("catalog", "ProductParameter").objects.create(
        product_info=offers[0], parameter=parameter, value="золотистый"
    )
    order_model = apps.get_model("orders", "Order")
    placed = order_model.objects.create(user_id=buyer.pk, state="new", total_sum=Decimal("200"))
    order_model.objects.filter(pk=placed.pk).update(dt=PLACED_AT)
    basket = order_model.objects.create(user_id=buyer.pk, state="basket")
    line_model = apps.get_model("orders", "OrderItem")
    line_model.objects.create(order=placed, product_info=offers[0], quantity=2, price=100)
    line_model.objects.create(order=basket, product_info=offers[1], quantity=1)
    import_job = apps.get_model("pricelists", "ImportJob").objects.create(
        owner_id=supplier.pk, source="shop1.yaml"
    )
    export_job = apps.get_model("pricelists", "ExportJob").objects.create(
        user_id=supplier.pk, format="yaml"
    )
    return {
        "supplier": supplier,
        "buyer": buyer,
        "shops": (shop.pk, closed.pk),
        "offers": [offer.pk for offer in offers],
        "orders": (placed.pk, basket.pk),
        "jobs": (import_job.pk, export_job.pk),
    }


def test_a_filled_database_keeps_its_rows_counts_and_search(old_apps):
    before = fill_the_old_schema(old_apps)
    assert any(OLD_NAMES.search(name) for name in database_object_names())

    migrate(latest())

    shop_id, closed_id = before["shops"]
    first, second, withdrawn, closed_offer = before["offers"]
    placed_id, basket_id = before["orders"]
    assert dict(Shop.objects.values_list("pk", "accepts_orders")) == {
        shop_id: True,
        closed_id: False,
    }
    assert dict(Shop.objects.values_list("pk", "visible_offers")) == {shop_id: 2, closed_id: 1}
    assert list(Offer.objects.order_by("pk").values_list("pk", "shop_id", "is_withdrawn")) == [
        (first, shop_id, False),
        (second, shop_id, False),
        (withdrawn, shop_id, True),
        (closed_offer, closed_id, False),
    ]
    assert list(OfferParameter.objects.values_list("offer_id", "parameter__name", "value")) == [
        (first, "Цвет", "золотистый")
    ]
    assert Offer.objects.get(pk=first).parameters.get().value == "золотистый"
    assert list(Order.placed.values_list("pk", "placed_at")) == [(placed_id, PLACED_AT)]
    assert list(Order.baskets.values_list("pk", flat=True)) == [basket_id]
    assert dict(OrderItem.objects.values_list("order_id", "offer_id")) == {
        placed_id: first,
        basket_id: second,
    }
    import_id, export_id = before["jobs"]
    assert ImportJob.objects.get(pk=import_id).supplier == before["supplier"]
    assert ExportJob.objects.get(pk=export_id).supplier == before["supplier"]
    assert not {name for name in database_object_names() if OLD_NAMES.search(name)}

    # The triggers still count, on the renamed table.
    Offer.objects.filter(pk=withdrawn).update(is_withdrawn=False)
    Offer.objects.filter(pk=closed_offer).delete()
    assert dict(Shop.objects.values_list("pk", "visible_offers")) == {shop_id: 3, closed_id: 0}

    # Search, the catalog and the API's names for the renamed fields.
    client = APIClient()
    found = client.get("/api/v1/products", {"search": "ЗОЛОТИСТЫЙ"}).json()["results"]
    assert [offer["id"] for offer in found] == [first, second, withdrawn]
    assert client.get("/api/v1/shops").json()["results"] == [
        {"id": shop_id, "name": "Связной", "state": True}
    ]

    # Stock is taken from and returned to the renamed table.
    buyer = before["buyer"]
    order = services.order_place(
        buyer=buyer, basket_id=basket_id, contact_id=ContactFactory(user=buyer).pk
    )
    assert Offer.objects.get(pk=second).quantity == 9
    services.order_set_state(order_id=order.pk, state=OrderState.CANCELED, actor=None)
    assert Offer.objects.get(pk=second).quantity == 10


def trigram_index_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [TRIGRAM_INDEX])
        return cursor.fetchone() is not None


def test_the_catalog_migrations_go_back_to_the_start_and_forward_again():
    try:
        migrate([("catalog", "0001_initial")])
        tables = connection.introspection.table_names()
        assert "catalog_productinfo" in tables and "catalog_offer" not in tables
        if connection.vendor == "postgresql":
            assert not trigram_index_exists()
    finally:
        migrate(latest())
    tables = connection.introspection.table_names()
    assert "catalog_offer" in tables and "catalog_productinfo" not in tables
    if connection.vendor == "postgresql":
        assert trigram_index_exists()
