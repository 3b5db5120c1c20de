"""The shop's name: a first price list names the shop; later ones never rename it (the job
says so when they call it otherwise); the supplier renames it with `POST partner/state`."""

import pytest

from procurement.catalog.models import Shop
from procurement.pricelists.models import ImportJob
from procurement.pricelists.services import import_pricelist
from tests.support.pricelists import as_yaml, catalog_snapshot, shop1_bytes, shop1_document

pytestmark = pytest.mark.django_db

STATE = "/api/v1/partner/state"


def test_an_upload_naming_the_shop_otherwise_keeps_the_name_and_says_so(
    supplier_client, supplier, commit_callbacks
):
    import_pricelist(supplier=supplier, data=shop1_bytes(), source="setup")
    document = shop1_document()
    document["shop"] = "Другое имя"
    from django.core.files.uploadedfile import SimpleUploadedFile

    with commit_callbacks():
        response = supplier_client.post(
            "/api/v1/partner/update",
            {"file": SimpleUploadedFile("list.yaml", as_yaml(document))},
            format="multipart",
        )
    job = ImportJob.objects.get(pk=response.json()["job"])
    assert job.state == "done"
    assert Shop.objects.get(user=supplier).name == "Связной"
    assert [warning["message"] for warning in job.warnings] == [
        "shop: The shop keeps its name “Связной”; the price list calls it “Другое имя”. "
        "Rename the shop in its settings if you want that name."
    ]


def test_the_supplier_renames_the_shop(supplier_client, supplier):
    import_pricelist(supplier=supplier, data=shop1_bytes(), source="setup")
    response = supplier_client.post(STATE, {"name": "  Связной Плюс "}, format="json")
    assert response.status_code == 200
    shop = Shop.objects.get(user=supplier)
    assert response.json() == {"Status": True, "id": shop.pk, "name": "Связной Плюс", "state": True}
    assert shop.name == "Связной Плюс"
    both = supplier_client.post(STATE, {"name": "Связной", "state": "off"}, format="json")
    assert both.json()["name"] == "Связной" and both.json()["state"] is False


@pytest.mark.parametrize(
    "body",
    [{}, {"name": ""}, {"name": "x" * 101}, {"name": "a\x00b"}, {"name": "\u200b\u2060"}],
)
def test_a_bad_rename_is_400_and_changes_nothing(supplier_client, supplier, body):
    import_pricelist(supplier=supplier, data=shop1_bytes(), source="setup")
    before = catalog_snapshot()
    response = supplier_client.post(STATE, body, format="json")
    assert response.status_code == 400
    assert response.json()["Status"] is False
    assert catalog_snapshot() == before


def test_renaming_before_the_first_price_list_is_404(supplier_client, supplier):
    response = supplier_client.post(STATE, {"name": "Новый"}, format="json")
    assert response.status_code == 404
    assert not Shop.objects.exists()
