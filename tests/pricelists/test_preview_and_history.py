"""Previews (dry runs) write nothing and count what an import would; a running job shows
its progress; the supplier's history lists every import, the commands' too."""

import io
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from harness.waiting import wait_until
from procurement.catalog import offers
from procurement.catalog.models import Shop
from procurement.pricelists.models import ImportJob, JobState
from procurement.pricelists.services import import_job_create, import_job_run, import_pricelist
from tests.support.clients import client_for
from tests.support.factories import SupplierFactory
from tests.support.pricelists import (
    as_yaml,
    catalog_snapshot,
    generated,
    shop1_bytes,
    shop1_document,
)
from tests.support.races import started

pytestmark = pytest.mark.django_db

UPDATE = "/api/v1/partner/update"
IMPORTS = "/api/v1/partner/imports"


def upload(client, data: bytes, name: str = "list.yaml", **extra):
    return client.post(
        UPDATE, {"file": SimpleUploadedFile(name, data), **extra}, format="multipart"
    )


def edited_shop1() -> dict:
    document = shop1_document()
    document["shop"] = "Связной 2"
    document["goods"][0]["price"] = 99999.9
    document["goods"][1]["quantity"] = 0
    withdrawn = document["goods"].pop(2)
    document["goods"].append({**withdrawn, "id": 555, "name": "Новинка", "price": 10})
    return document


def test_a_preview_says_what_would_change_and_writes_nothing(
    supplier_client, supplier, commit_callbacks
):
    import_pricelist(supplier=supplier, data=shop1_bytes(), source="setup")
    before = catalog_snapshot()
    document = edited_shop1()
    with commit_callbacks():
        response = upload(supplier_client, as_yaml(document), dry_run="true")
    assert response.status_code == 202
    body = supplier_client.get(response["Location"]).json()
    assert catalog_snapshot() == before
    assert (body["state"], body["dry_run"]) == ("done", True)
    assert (body["created"], body["updated"], body["withdrawn"]) == (1, 2, 1)
    assert (body["processed"], body["total"]) == (14, 14)
    first, second, third = shop1_document()["goods"][:3]
    assert body["changes"] == [
        {
            "id": first["id"],
            "name": first["name"],
            "change": "updated",
            "price": ["110000.00", "99999.90"],
        },
        {
            "id": second["id"],
            "name": second["name"],
            "change": "updated",
            "quantity": [second["quantity"], 0],
        },
        {
            "id": 555,
            "name": "Новинка",
            "change": "created",
            "price": "10.00",
            "quantity": third["quantity"],
        },
        {"id": third["id"], "name": third["name"], "change": "withdrawn", "price": "65000.00"},
    ]
    assert [warning["field"] for warning in body["warnings"]] == ["shop"]

    # Applying after a preview is an ordinary upload, and it does what the preview said.
    with commit_callbacks():
        applied = upload(supplier_client, as_yaml(document))
    job = supplier_client.get(applied["Location"]).json()
    assert (job["dry_run"], job["created"], job["updated"], job["withdrawn"]) == (False, 1, 2, 1)
    assert catalog_snapshot() != before


def test_a_preview_names_the_categories_the_import_would_rename_list_or_unlist(supplier):
    """The goods' counts say nothing of the shop's categories: the preview's changes do,
    before the goods'."""
    document = shop1_document()
    document["categories"].append({"id": 77, "name": "Скоро в продаже"})
    import_pricelist(supplier=supplier, data=as_yaml(document), source="setup")
    before = catalog_snapshot()
    shop1_categories = {category["id"]: category["name"] for category in document["categories"]}
    document["categories"] = [
        {"id": 15, "name": "Аксессуары и кабели"} if category["id"] == 15 else category
        for category in document["categories"]
        if category["id"] != 77
    ] + [{"id": 78, "name": "Новая"}]

    preview = import_pricelist(supplier=supplier, data=as_yaml(document), source="x", dry_run=True)
    assert catalog_snapshot() == before
    assert (preview.created, preview.updated, preview.withdrawn) == (0, 0, 0)
    assert preview.changes == [
        {
            "section": "categories",
            "id": 15,
            "name": "Аксессуары и кабели",
            "change": "renamed",
            "old_name": shop1_categories[15],
        },
        {"section": "categories", "id": 78, "name": "Новая", "change": "listed"},
        {"section": "categories", "id": 77, "name": "Скоро в продаже", "change": "unlisted"},
    ]

    # The import does what the preview said.
    import_pricelist(supplier=supplier, data=as_yaml(document), source="y")
    shop = Shop.objects.get(user=supplier)
    assert dict(shop.categories.values_list("id", "name")) == {
        **{key: name for key, name in shop1_categories.items() if key != 77},
        15: "Аксессуары и кабели",
        78: "Новая",
    }


def test_a_shared_category_is_no_rename_in_the_preview(supplier):
    import_pricelist(supplier=supplier, data=shop1_bytes(), source="setup")
    import_pricelist(supplier=SupplierFactory(), data=shop1_bytes(), source="setup")
    document = shop1_document()
    document["categories"][1]["name"] = "Другое имя"
    preview = import_pricelist(supplier=supplier, data=as_yaml(document), source="x", dry_run=True)
    assert preview.changes == []
    assert [warning["field"] for warning in preview.warnings] == ["name"]


def test_a_preview_counts_exactly_what_the_import_then_does(supplier):
    import_pricelist(supplier=supplier, data=as_yaml(generated(300)), source="setup")
    document = generated(320)
    del document["goods"][10:40]  # withdrawn
    document["goods"][0]["parameters"]["Цвет"] = "белый"  # a parameter changed
    document["goods"][1]["parameters"] = {"Вес": 1, "Цвет": "черный", "Smart": False}  # reordered
    document["goods"][2]["model"] = "другая"
    document["goods"][3]["name"] = "Другой товар"  # another product
    import_pricelist(supplier=supplier, data=as_yaml(document), source="x")
    relisted = generated(300)  # brings the 30 withdrawn back, drops the 20 new
    relisted["goods"][5]["price_rrc"] = 1
    preview = import_pricelist(supplier=supplier, data=as_yaml(relisted), source="x", dry_run=True)
    before = catalog_snapshot()
    assert catalog_snapshot() == before
    applied = import_pricelist(supplier=supplier, data=as_yaml(relisted), source="x")
    assert (preview.created, preview.updated, preview.withdrawn) == (
        applied.created,
        applied.updated,
        applied.withdrawn,
    )
    assert (applied.created, applied.withdrawn) == (0, 20)
    # Relisted, the three goods changed above (not the one whose parameters only moved), the
    # price.
    assert applied.updated == 30 + 3 + 1


def test_a_preview_of_a_first_price_list_creates_no_shop(supplier):
    result = import_pricelist(supplier=supplier, data=shop1_bytes(), source="x", dry_run=True)
    assert (result.shop_id, result.created, result.updated, result.withdrawn) == (None, 14, 0, 0)
    assert not Shop.objects.exists()


def test_a_preview_of_a_bad_list_fails_with_its_problems(
    supplier_client, supplier, commit_callbacks
):
    import_pricelist(supplier=supplier, data=shop1_bytes(), source="setup")
    before = catalog_snapshot()
    document = shop1_document()
    document["goods"][12]["price"] = -1
    with commit_callbacks():
        response = upload(supplier_client, as_yaml(document), dry_run="true")
    body = supplier_client.get(response["Location"]).json()
    assert body["state"] == "failed"
    assert [error["message"] for error in body["errors"]] == [
        f"goods[12] (id {document['goods'][12]['id']}), line 149: price: Must not be negative."
    ]
    assert catalog_snapshot() == before


@pytest.mark.parametrize(
    "dry_run, message",
    [
        ("perhaps", "Must be a valid boolean."),
        # A form's empty value or a field sent twice is no answer: taken for "false", a
        # preview the supplier meant would apply the list.
        ("", "Must be a valid boolean."),
        (["true", "false"], "Give this field once."),
        (["true", "true"], "Give this field once."),
    ],
)
def test_a_bad_dry_run_value_is_400_and_queues_nothing(supplier_client, supplier, dry_run, message):
    import_pricelist(supplier=supplier, data=shop1_bytes(), source="setup")
    before = catalog_snapshot()
    response = upload(supplier_client, as_yaml(edited_shop1()), dry_run=dry_run)
    assert response.status_code == 400
    assert response.json()["Status"] is False
    assert response.json()["Errors"] == {"dry_run": [message]}
    assert not ImportJob.objects.exists()
    assert catalog_snapshot() == before


def test_a_bad_dry_run_value_in_a_form_with_a_url_is_400(supplier_client, supplier):
    response = supplier_client.generic(
        "POST",
        UPDATE,
        "url=https%3A%2F%2Fexample.com%2Fa.yaml&dry_run=",
        "application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert response.json()["Errors"] == {"dry_run": ["Must be a valid boolean."]}
    assert not ImportJob.objects.exists()


def test_the_command_previews_with_dry_run(supplier, tmp_path):
    import_pricelist(supplier=supplier, data=shop1_bytes(), source="setup")
    before = catalog_snapshot()
    path = tmp_path / "list.yaml"
    path.write_bytes(as_yaml(edited_shop1()))
    out = io.StringIO()
    call_command(
        "import_pricelist",
        str(path),
        "--owner",
        supplier.email,
        "--dry-run",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert catalog_snapshot() == before
    text = out.getvalue()
    assert "nothing written: 1 would be created, 2 updated, 1 withdrawn." in text
    assert "price 110000.00 → 99999.90" in text
    assert ImportJob.objects.get().dry_run is True


@pytest.mark.django_db(transaction=True)
def test_a_running_job_shows_its_progress(supplier_client, supplier):
    """The lease thread writes how many goods went by while the run is still working."""
    job = ImportJob.objects.create(
        supplier=supplier,
        content=as_yaml(generated(2500)),
        filename="list.yaml",
        source="list.yaml",
        dry_run=True,
    )
    compared, go_on = threading.Event(), threading.Event()
    real_preview = offers.preview_price_list

    def preview_then_wait(**kwargs):
        result = real_preview(**kwargs)  # consumes the goods: the count reaches the total
        compared.set()
        go_on.wait(30)
        return result

    offers.preview_price_list = preview_then_wait
    results: list = []
    thread = started(lambda: import_job_run(job_id=job.pk), results)
    try:
        assert compared.wait(30)
        body = wait_until(
            lambda: (
                (page := supplier_client.get(f"{IMPORTS}/{job.pk}").json())["processed"] == 2500
                and page
            ),
            timeout=30,
            message="the job's progress was not written",
        )
        assert (body["state"], body["total"]) == ("running", 2500)
    finally:
        go_on.set()
        thread.join(60)
        offers.preview_price_list = real_preview
    assert not [result for result in results if isinstance(result, BaseException)], results
    job.refresh_from_db()
    assert (job.state, job.processed, job.total, job.created) == (JobState.DONE, 2500, 2500, 2500)


def test_the_history_lists_the_suppliers_jobs_newest_first(supplier_client, supplier, tmp_path):
    other = SupplierFactory()
    import_job_create(supplier=other, chunks=[shop1_bytes()], filename="other.yaml")
    path = tmp_path / "shop1.yaml"
    path.write_bytes(shop1_bytes())
    call_command(
        "import_pricelist",
        str(path),
        "--owner",
        supplier.email,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    preview = import_job_create(
        supplier=supplier, chunks=[shop1_bytes()], filename="a.yaml", dry_run=True
    )
    upload_job = import_job_create(supplier=supplier, chunks=[shop1_bytes()], filename="b.yaml")

    page = supplier_client.get(IMPORTS, {"page_size": 2}).json()
    assert page["count"] == 3
    assert [job["id"] for job in page["results"]] == [upload_job.pk, preview.pk]
    assert page["results"][1]["dry_run"] is True
    assert set(page["results"][0]) == {
        "id",
        "state",
        "dry_run",
        "scheduled",
        "source",
        "processed",
        "total",
        "created",
        "updated",
        "withdrawn",
        "created_at",
        "started_at",
        "finished_at",
    }
    rest = supplier_client.get(IMPORTS, {"page_size": 2, "page": 2}).json()["results"]
    assert [(job["source"], job["created"], job["state"]) for job in rest] == [
        (str(path), 14, "done")
    ]


def test_the_history_is_for_suppliers_only(buyer):
    assert client_for(buyer).get(IMPORTS).status_code == 403


def test_the_admin_previews_and_lists_the_commands_imports(
    staff_client, supplier, commit_callbacks
):
    call_command("load_demo", stdout=io.StringIO())
    listing = staff_client.get("/admin/pricelists/importjob/")
    assert listing.status_code == 200
    assert "shop1.yaml" in listing.content.decode()
    assert ImportJob.objects.filter(source="shop1.yaml", state=JobState.DONE).exists()

    import_pricelist(supplier=supplier, data=shop1_bytes(), source="setup")
    before = catalog_snapshot()
    with commit_callbacks():
        response = staff_client.post(
            "/admin/pricelists/importjob/import/",
            {
                "supplier": supplier.pk,
                "file": SimpleUploadedFile("list.yaml", as_yaml(edited_shop1())),
                "dry_run": "on",
            },
        )
    assert response.status_code == 302
    job = ImportJob.objects.filter(supplier=supplier).latest("id")
    assert (job.dry_run, job.state, job.updated) == (True, JobState.DONE, 2)
    assert catalog_snapshot() == before
    page = staff_client.get(f"/admin/pricelists/importjob/{job.pk}/change/").content.decode()
    assert "price 110000.00 → 99999.90" in page
    assert "The shop keeps its name" in page
