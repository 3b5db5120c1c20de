"""Categories are shared by every shop: a price list may create them and file its goods
under them, but never rename one that another shop uses; it gets a warning instead."""

from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from procurement.catalog.models import Category, Offer, Product
from procurement.pricelists.models import ImportJob
from procurement.pricelists.services import import_pricelist
from tests.support.clients import client_for
from tests.support.factories import SupplierFactory
from tests.support.pricelists import as_yaml, catalog_snapshot, shop1_bytes

pytestmark = pytest.mark.django_db

RENAMED = "Дешёвые телефоны"
WARNING = (
    "Category 224 keeps its name “Смартфоны”: other shops' goods are filed under it, "
    f"so it was not renamed to “{RENAMED}”."
)


def price_list(*, shop: str, categories: list[tuple[int, str]], goods: list[tuple[int, int]]):
    """A small price list: `goods` are (id, category) pairs."""
    return as_yaml(
        {
            "shop": shop,
            "categories": [{"id": id_, "name": name} for id_, name in categories],
            "goods": [
                {
                    "id": good_id,
                    "category": category,
                    "name": f"Товар {good_id}",
                    "price": 100,
                    "price_rrc": 120,
                    "quantity": 5,
                }
                for good_id, category in goods
            ],
        }
    )


def run(owner, data: bytes):
    return import_pricelist(supplier=owner, data=data, source="test", filename="list.yaml")


@pytest.fixture
def first_shop_owner(supplier):
    """Its shop files goods under 224 "Смартфоны" (the demo price list)."""
    run(supplier, shop1_bytes())
    return supplier


def test_another_shop_cannot_rename_a_category_the_first_one_uses(first_shop_owner):
    other = SupplierFactory()
    result = run(
        other,
        price_list(
            shop="Другой", categories=[(7, "Кабели"), (224, RENAMED)], goods=[(1, 224), (2, 7)]
        ),
    )

    assert Category.objects.get(id=224).name == "Смартфоны"
    assert result.warnings == [
        {
            "section": "categories",
            "index": 1,
            "id": 224,
            "field": "name",
            "warning": WARNING,
            "message": f"categories[1] (id 224): name: {WARNING}",
        }
    ]
    # The rest of the list is applied: its goods are filed under the shared category, and
    # the category it brought is created.
    offer = Offer.objects.get(shop__user=other, external_id=1)
    assert offer.product.category_id == 224
    assert Category.objects.get(id=7).name == "Кабели"
    assert (result.created, result.updated, result.withdrawn) == (2, 0, 0)
    # What the first shop's buyers see has not moved.
    first_offers = Offer.objects.filter(shop__user=first_shop_owner, product__category=224)
    assert first_offers.count() == 5
    assert {offer.product.category.name for offer in first_offers} == {"Смартфоны"}


@pytest.mark.parametrize("has_shop", [False, True])
def test_a_preview_gives_the_warning_the_import_then_gives(first_shop_owner, has_shop):
    other = SupplierFactory()
    if has_shop:
        run(other, price_list(shop="Другой", categories=[(7, "Кабели")], goods=[(1, 7)]))
    document = price_list(
        shop="Другой", categories=[(7, "Провода"), (224, RENAMED)], goods=[(1, 224), (2, 7)]
    )
    before = catalog_snapshot()

    preview = import_pricelist(
        supplier=other, data=document, source="test", filename="list.yaml", dry_run=True
    )

    assert catalog_snapshot() == before
    result = run(other, document)
    assert preview.warnings == result.warnings
    assert [warning["id"] for warning in result.warnings] == [224]
    # The category only this shop uses (or a new one) gets the list's name from the import.
    assert Category.objects.get(id=7).name == "Провода"
    assert Category.objects.get(id=224).name == "Смартфоны"


def test_a_category_another_shop_only_lists_is_not_renamed_either(first_shop_owner):
    other = SupplierFactory()
    run(
        other,
        price_list(shop="Другой", categories=[(7, "Кабели"), (224, "Смартфоны")], goods=[(1, 7)]),
    )
    assert not Offer.objects.filter(shop__user=other, product__category=224).exists()

    document = price_list(shop="Связной", categories=[(224, RENAMED)], goods=[(4216292, 224)])
    result = run(first_shop_owner, document)

    assert Category.objects.get(id=224).name == "Смартфоны"
    assert [warning["id"] for warning in result.warnings] == [224]


def test_a_category_only_this_shop_uses_may_be_renamed(first_shop_owner):
    document = price_list(shop="Связной", categories=[(224, RENAMED)], goods=[(4216292, 224)])
    result = run(first_shop_owner, document)

    assert Category.objects.get(id=224).name == RENAMED
    assert result.warnings == []


def test_the_same_name_is_no_rename_and_no_warning(first_shop_owner):
    other = SupplierFactory()
    result = run(
        other, price_list(shop="Другой", categories=[(224, "Смартфоны")], goods=[(1, 224)])
    )
    assert result.warnings == []
    assert Product.objects.get(name="Товар 1").category_id == 224


def test_the_job_the_command_and_the_admin_show_the_warning(
    first_shop_owner, commit_callbacks, staff_client, tmp_path
):
    other = SupplierFactory()
    data = price_list(shop="Другой", categories=[(224, RENAMED)], goods=[(1, 224)])
    client = client_for(other)
    with commit_callbacks():
        response = client.post(
            "/api/v1/partner/update",
            {"file": SimpleUploadedFile("list.yaml", data)},
            format="multipart",
        )
    body = client.get(f"/api/v1/partner/imports/{response.json()['job']}").json()
    assert body["state"] == "done", body
    assert body["errors"] == []
    assert body["warnings"] == [
        {
            "section": "categories",
            "index": 0,
            "id": 224,
            "field": "name",
            "warning": WARNING,
            "message": f"categories[0] (id 224): name: {WARNING}",
        }
    ]
    assert Category.objects.get(id=224).name == "Смартфоны"

    page = staff_client.get(f"/admin/pricelists/importjob/{body['id']}/change/")
    assert page.status_code == 200
    assert "not renamed to" in page.content.decode()

    path = tmp_path / "list.yaml"
    path.write_bytes(data)
    out = StringIO()
    call_command("import_pricelist", str(path), "--owner", other.email, stdout=out)
    assert f"warning: categories[0] (id 224): name: {WARNING}" in out.getvalue()


def test_the_warning_is_in_the_suppliers_language(first_shop_owner, commit_callbacks):
    other = SupplierFactory(language="ru")
    data = price_list(shop="Другой", categories=[(224, RENAMED)], goods=[(1, 224)])
    with commit_callbacks():
        response = client_for(other).post(
            "/api/v1/partner/update",
            {"file": SimpleUploadedFile("list.yaml", data)},
            format="multipart",
        )
    job = ImportJob.objects.get(pk=response.json()["job"])
    assert job.state == "done"
    assert job.warnings[0]["warning"] == (
        "Категория 224 сохраняет название «Смартфоны»: в ней есть товары других магазинов, "
        f"поэтому она не переименована в «{RENAMED}»."
    )
