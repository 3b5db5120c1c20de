import gc
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procurement.catalog.models import Category, Offer, OfferParameter, Product, Shop
from procurement.catalog.offers import refresh_search_text
from procurement.catalog.search import normalize
from procurement.core.errors import ApplicationError
from procurement.pricelists.models import ImportJob, JobState
from procurement.pricelists.services import import_job_run, import_pricelist
from tests.support.factories import SupplierFactory
from tests.support.pricelists import (
    as_json,
    as_yaml,
    catalog_snapshot,
    generated,
    shop1_bytes,
    shop1_document,
    with_good,
)

pytestmark = pytest.mark.django_db


def run(owner, data: bytes, filename: str = "list.yaml"):
    return import_pricelist(supplier=owner, data=data, source="test", filename=filename)


def offers_by_external_id(shop) -> dict[int, Offer]:
    return {offer.external_id: offer for offer in Offer.objects.filter(shop=shop)}


def parameters_of(offer) -> dict[str, str]:
    return dict(offer.parameters.values_list("parameter__name", "value"))


def test_first_import_creates_the_shop_and_its_catalog(supplier):
    result = run(supplier, shop1_bytes())
    shop = Shop.objects.get(user=supplier)
    assert (result.shop_id, result.created, result.updated, result.withdrawn) == (shop.id, 14, 0, 0)
    assert shop.name == "Связной" and shop.accepts_orders is True
    assert set(shop.categories.values_list("id", flat=True)) == {224, 15, 1, 5}
    offer = Offer.objects.get(shop=shop, external_id=4216292)
    assert offer.product.name == "Смартфон Apple iPhone XS Max 512GB (золотистый)"
    assert offer.product.category_id == 224
    assert (offer.model, offer.quantity) == ("apple/iphone/xs-max", 14)
    assert (offer.price, offer.price_rrc) == (Decimal("110000.00"), Decimal("116990.00"))
    assert offer.is_withdrawn is False
    assert parameters_of(offer) == {
        "Диагональ (дюйм)": "6.5",
        "Разрешение (пикс)": "2688x1242",
        "Встроенная память (Гб)": "512",
        "Цвет": "золотистый",
    }
    assert offer.search_text == normalize(
        "смартфон apple iphone xs max 512gb (золотистый) apple/iphone/xs-max "
        "6.5 2688x1242 512 золотистый"
    )
    assert refresh_search_text(offer_ids=[offer.id]) == 0  # the admin's text is the same
    assert OfferParameter.objects.count() == sum(
        len(good["parameters"]) for good in shop1_document()["goods"]
    )


def test_importing_the_same_file_twice_changes_nothing(supplier):
    run(supplier, shop1_bytes())
    before = catalog_snapshot()
    result = run(supplier, shop1_bytes())
    assert (result.created, result.updated, result.withdrawn) == (0, 0, 0)
    assert result.warnings == []
    assert catalog_snapshot() == before


def test_json_imports_to_the_same_catalog_as_yaml(supplier):
    run(supplier, as_json(shop1_document()), filename="list.json")
    result = run(supplier, shop1_bytes())
    assert (result.created, result.updated, result.withdrawn) == (0, 0, 0)


def test_changed_offers_are_updated_in_place_and_only_they_count(supplier):
    run(supplier, shop1_bytes())
    shop = Shop.objects.get(user=supplier)
    ids_before = {key: offer.id for key, offer in offers_by_external_id(shop).items()}
    document = with_good(shop1_document(), 0, price=99999.5, quantity=1)
    document = with_good(document, 1, parameters={"Цвет": "розовый", "Новый": 1})
    document = with_good(document, 2, model="apple/iphone/xr-2")

    result = run(supplier, as_yaml(document))

    assert (result.created, result.updated, result.withdrawn) == (0, 3, 0)
    offers = offers_by_external_id(shop)
    assert {key: offer.id for key, offer in offers.items()} == ids_before
    assert (offers[4216292].price, offers[4216292].quantity) == (Decimal("99999.50"), 1)
    assert parameters_of(offers[4216313]) == {"Цвет": "розовый", "Новый": "1"}
    assert "розовый" in offers[4216313].search_text
    assert offers[4216226].model == "apple/iphone/xr-2"
    assert parameters_of(offers[4672670])["Цвет"] == "синий"  # untouched


def test_a_renamed_good_moves_to_another_product_keeping_its_offer(supplier):
    run(supplier, shop1_bytes())
    offer = Offer.objects.get(external_id=4216292)
    result = run(supplier, as_yaml(with_good(shop1_document(), 0, name="Новое имя", category=15)))
    assert result.updated == 1
    moved = Offer.objects.get(external_id=4216292)
    assert moved.id == offer.id
    assert (moved.product.name, moved.product.category_id) == ("Новое имя", 15)


def test_missing_offers_are_withdrawn_and_come_back(supplier):
    run(supplier, shop1_bytes())
    shop = Shop.objects.get(user=supplier)
    document = shop1_document()
    removed = document["goods"].pop(0)
    document["goods"].pop(0)

    result = run(supplier, as_yaml(document))
    assert (result.created, result.updated, result.withdrawn) == (0, 0, 2)
    offers = offers_by_external_id(shop)
    assert len(offers) == 14, "withdrawn offers are kept, never deleted"
    assert offers[removed["id"]].is_withdrawn is True
    assert sum(offer.is_withdrawn for offer in offers.values()) == 2

    assert run(supplier, as_yaml(document)).withdrawn == 0, "already withdrawn"

    document["goods"].append(removed)
    result = run(supplier, as_yaml(document))
    assert (result.created, result.updated, result.withdrawn) == (0, 1, 0)
    back = offers_by_external_id(shop)[removed["id"]]
    assert back.is_withdrawn is False and back.id == offers[removed["id"]].id


def test_shop_keeps_its_name_and_categories_are_shared_and_upserted(supplier):
    run(supplier, shop1_bytes())
    other = SupplierFactory()
    second = generated(3, shop="Другой")
    second["categories"].append({"id": 224, "name": "Смартфоны и телефоны"})
    second["goods"][0].update(category=224, name="Смартфон Apple iPhone XS Max 512GB (золотистый)")
    result = run(other, as_yaml(second))

    # Shared: the first shop's goods are filed under it, so the second cannot rename it.
    assert Category.objects.get(id=224).name == "Смартфоны"
    assert [warning["id"] for warning in result.warnings] == [224]
    assert Category.objects.filter(id=224).count() == 1
    product = Product.objects.get(category_id=224, name__startswith="Смартфон Apple iPhone XS Max")
    assert product.offers.count() == 2, "one product, one offer per shop"
    assert set(Shop.objects.get(user=other).categories.values_list("id", flat=True)) == {
        900,
        901,
        902,
        903,
        904,
        224,
    }

    document = shop1_document()
    document["shop"] = "Связной 2"
    document["categories"] = [c for c in document["categories"] if c["id"] != 1]
    document["goods"] = [g for g in document["goods"] if g["category"] != 1]
    result = run(supplier, as_yaml(document))
    shop = Shop.objects.get(user=supplier)
    assert shop.name == "Связной", "a price list does not rename the shop"
    kept = (
        "The shop keeps its name “Связной”; the price list calls it “Связной 2”. "
        "Rename the shop in its settings if you want that name."
    )
    assert result.warnings == [{"field": "shop", "warning": kept, "message": f"shop: {kept}"}]
    assert set(shop.categories.values_list("id", flat=True)) == {224, 15, 5}


@pytest.mark.parametrize(
    "data",
    [
        as_yaml(with_good(shop1_document(), 4, price=-5)),
        as_yaml(with_good(shop1_document(), 13, category=77)),
        b"shop: [broken",
        b'!!python/object/apply:os.system ["echo hacked"]',
    ],
)
def test_a_bad_file_leaves_the_catalog_exactly_as_it_was(supplier, data):
    run(supplier, shop1_bytes())
    before = catalog_snapshot()
    with pytest.raises(ApplicationError) as caught:
        run(supplier, data)
    assert caught.value.problems
    assert catalog_snapshot() == before


def test_a_bad_first_file_creates_no_shop(supplier):
    with pytest.raises(ApplicationError):
        run(supplier, as_yaml(with_good(shop1_document(), 0, quantity=-1)))
    assert not Shop.objects.exists()
    assert not Category.objects.exists()


def count_queries(owner, document) -> int:
    data = as_yaml(document)
    with CaptureQueriesContext(connection) as queries:
        run(owner, data)
    return len(queries)


def test_query_count_does_not_grow_with_the_number_of_goods():
    small, large = SupplierFactory(), SupplierFactory()
    first_small = count_queries(small, generated(200, first_id=1))
    first_large = count_queries(large, generated(2000, first_id=10_000))
    assert abs(first_large - first_small) <= 2, (first_small, first_large)
    assert first_large <= 21  # a first import also reads the switch set before it, under lock

    changed_small = generated(200, first_id=1)
    changed_large = generated(2000, first_id=10_000)
    for document in (changed_small, changed_large):
        for good in document["goods"][::2]:
            good["price"] += 1
            good["parameters"]["Вес"] = -1
        del document["goods"][1]
    again_small = count_queries(small, changed_small)
    again_large = count_queries(large, changed_large)
    assert abs(again_large - again_small) <= 2, (again_small, again_large)
    assert Offer.objects.filter(is_withdrawn=True).count() == 2


def product_inserts(queries: CaptureQueriesContext) -> list[str]:
    product = Product._meta.db_table
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith(f'INSERT INTO "{product}"')
    ]


def test_products_that_exist_are_read_not_inserted_again():
    run(SupplierFactory(), as_yaml(generated(20)))
    products = dict(Product.objects.values_list("name", "pk"))
    document = generated(30)  # ten more goods: ten new products, twenty of the first shop's
    supplier = SupplierFactory()
    with CaptureQueriesContext(connection) as queries:
        run(supplier, as_yaml(document))
    inserts = product_inserts(queries)
    assert len(inserts) == 1 and "ON CONFLICT" in inserts[0]
    assert Product.objects.count() == 30
    offers = offers_by_external_id(Shop.objects.get(user=supplier))
    assert {offers[n + 1].product.name: offers[n + 1].product_id for n in range(20)} == products

    with CaptureQueriesContext(connection) as queries:
        run(SupplierFactory(), as_yaml(document))  # every product exists
    assert product_inserts(queries) == []
    assert Product.objects.count() == 30


def test_a_product_created_meanwhile_by_another_import_is_used(supplier):
    """Another import commits a product of the list between this import's read of the
    products and its insert of the missing ones: the insert skips it, then reads its id."""
    document = generated(3)
    category = Category.objects.create(id=900, name="Category 0")
    created: list[Product] = []

    def create_first(execute, sql, params, many, context):
        if not created and sql.startswith(f'INSERT INTO "{Product._meta.db_table}" (category_id'):
            created.append(Product.objects.create(category=category, name="Product 0"))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(create_first):
        result = run(supplier, as_yaml(document))
    assert result.created == 3
    assert Product.objects.filter(name="Product 0").count() == 1
    offer = Offer.objects.get(shop__user=supplier, external_id=1)
    assert offer.product_id == created[0].pk
    assert Product.objects.count() == 3


def test_the_cycle_collector_is_paused_while_importing_and_back_after(supplier):

    states: list[bool] = []

    def progress(stage: str) -> None:
        states.append(gc.isenabled())

    assert gc.isenabled()
    import_pricelist(
        supplier=supplier, data=shop1_bytes(), source="test", filename="a.yaml", progress=progress
    )
    assert states and not any(states)  # paused from parsing to the last statement
    assert gc.isenabled()
    with pytest.raises(ApplicationError):
        import_pricelist(
            supplier=supplier,
            data=b"goods: [",
            source="test",
            filename="a.yaml",
            progress=progress,
        )
    assert gc.isenabled()  # a refused list turns it back on too
    gc.disable()
    try:
        import_pricelist(supplier=supplier, data=shop1_bytes(), source="test", filename="a.yaml")
        assert not gc.isenabled()  # left off by whoever turned it off
    finally:
        gc.enable()


@pytest.mark.parametrize("dry_run", [False, True])
def test_an_import_job_runs_with_the_cycle_collector_paused(supplier, dry_run):
    states: list[bool] = []
    job = ImportJob.objects.create(
        supplier=supplier,
        content=shop1_bytes(),
        filename="shop1.yaml",
        source="shop1.yaml",
        dry_run=dry_run,
    )
    done = import_job_run(job_id=job.pk, progress=lambda stage: states.append(gc.isenabled()))
    assert done is not None and done.state == JobState.DONE and done.created == 14
    assert states and not any(states)
    assert gc.isenabled()
