import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from procurement.catalog.models import Offer, Shop
from procurement.pricelists.models import ImportJob, PriceListSource
from procurement.pricelists.services import import_pricelist
from tests.support.factories import ShopFactory
from tests.support.pricelists import as_yaml, catalog_snapshot, shop1_bytes, shop1_document

pytestmark = pytest.mark.django_db


def upload(client, commit_callbacks, content: bytes, name="shop1.yaml", **data):
    with commit_callbacks():
        return client.post(
            "/supplier/upload/", {"file": SimpleUploadedFile(name, content), "url": "", **data}
        )


def edited_shop1() -> bytes:
    document = shop1_document()
    document["goods"][0]["price"] = 99999.9
    document["goods"][1]["quantity"] = 0
    return as_yaml(document)


def test_a_preview_shows_its_counts_and_changes_and_writes_nothing(
    supplier_web, supplier, commit_callbacks
):
    import_pricelist(supplier=supplier, data=shop1_bytes(), source="setup")
    before = catalog_snapshot()
    response = upload(supplier_web, commit_callbacks, edited_shop1(), dry_run="on")
    job = ImportJob.objects.get(supplier=supplier, dry_run=True)
    assert response["Location"] == f"/supplier/imports/{job.pk}/"
    assert catalog_snapshot() == before
    page = supplier_web.get(response["Location"]).content.decode()
    assert f"Preview {job.pk}" in page
    assert '<dd id="job-updated">2</dd>' in page and '<dd id="job-created">0</dd>' in page
    assert "110000.00 → 99999.90" in page
    assert 'id="job-changes"' in page
    assert f'action="/supplier/imports/{job.pk}/apply/"' in page


def test_a_preview_shows_the_categories_it_would_rename(supplier_web, supplier, commit_callbacks):
    import_pricelist(supplier=supplier, data=shop1_bytes(), source="setup")
    document = shop1_document()
    old_name = document["categories"][1]["name"]
    document["categories"][1]["name"] = "Аксессуары и кабели"
    response = upload(supplier_web, commit_callbacks, as_yaml(document), dry_run="on")
    page = supplier_web.get(response["Location"]).content.decode()
    assert "Category: Аксессуары и кабели" in page
    assert f"(was {old_name})" in page and ">renamed<" in page


def test_the_language_switch_is_the_language_of_the_suppliers_results(
    supplier_web, supplier, commit_callbacks
):
    """What a job keeps is in its supplier's language; the switch on the pages sets it."""
    response = supplier_web.post("/i18n/setlang/", {"language": "ru", "next": "/supplier/"})
    assert response.status_code == 302
    supplier.refresh_from_db()
    assert supplier.language == "ru"
    upload(supplier_web, commit_callbacks, b"shop: x\ngoods: [1, 2\n", name="bad.yaml")
    job = ImportJob.objects.get(supplier=supplier)
    assert job.source == "загруженный файл bad.yaml"
    assert [error["message"] for error in job.errors] == [
        "строка 3: Некорректный YAML: не хватает «,» или «]»"
    ]


def test_an_upload_is_named_in_its_suppliers_language_whatever_the_request_asks(
    supplier_client, supplier, commit_callbacks
):
    supplier.language = "ru"
    supplier.save()
    with commit_callbacks():
        response = supplier_client.post(
            "/api/v1/partner/update",
            {"file": SimpleUploadedFile("x.yaml", shop1_bytes())},
            format="multipart",
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert ImportJob.objects.get(pk=response.json()["job"]).source == "загруженный файл x.yaml"


def test_applying_a_preview_imports_the_same_file_once(supplier_web, supplier, commit_callbacks):
    import_pricelist(supplier=supplier, data=shop1_bytes(), source="setup")
    upload(supplier_web, commit_callbacks, edited_shop1(), dry_run="on")
    preview = ImportJob.objects.get(supplier=supplier, dry_run=True)
    with commit_callbacks():
        response = supplier_web.post(f"/supplier/imports/{preview.pk}/apply/")
    applied = ImportJob.objects.get(supplier=supplier, dry_run=False, filename="shop1.yaml")
    assert response["Location"] == f"/supplier/imports/{applied.pk}/"
    assert (applied.state, applied.updated, applied.created) == ("done", 2, 0)
    first = shop1_document()["goods"][0]
    assert str(Offer.objects.get(external_id=first["id"]).price) == "99999.90"
    preview.refresh_from_db()
    assert preview.content is None
    page = supplier_web.get(f"/supplier/imports/{preview.pk}/").content.decode()
    assert "/apply/" not in page
    # A second apply is refused with the reason, and queues nothing.
    with commit_callbacks():
        again = supplier_web.post(f"/supplier/imports/{preview.pk}/apply/")
    assert again.status_code == 409
    assert "no longer kept" in again.content.decode()
    assert ImportJob.objects.filter(supplier=supplier).count() == 2


def test_applying_a_preview_of_a_url_queues_an_import_of_that_url(supplier_web, supplier, settings):
    settings.IMPORT_ALLOWED_HOSTS = ["127.0.0.1:8999"]
    preview = ImportJob.objects.create(
        supplier=supplier,
        source="u",
        url="http://127.0.0.1:8999/a.yaml",
        dry_run=True,
        state="done",
    )
    assert "/apply/" in supplier_web.get(f"/supplier/imports/{preview.pk}/").content.decode()
    response = supplier_web.post(f"/supplier/imports/{preview.pk}/apply/")
    applied = ImportJob.objects.exclude(pk=preview.pk).get()
    assert response["Location"] == f"/supplier/imports/{applied.pk}/"
    assert (applied.url, applied.dry_run, applied.state) == (preview.url, False, "queued")


def test_only_a_finished_preview_can_be_applied(supplier_web, supplier, commit_callbacks):
    upload(supplier_web, commit_callbacks, shop1_bytes())
    job = ImportJob.objects.get(supplier=supplier)
    response = supplier_web.post(f"/supplier/imports/{job.pk}/apply/")
    assert response.status_code == 409
    assert "Only a finished preview can be applied." in response.content.decode()
    queued = ImportJob.objects.create(
        supplier=supplier, source="x", dry_run=True, content=shop1_bytes()
    )
    assert supplier_web.post(f"/supplier/imports/{queued.pk}/apply/").status_code == 409
    assert ImportJob.objects.filter(supplier=supplier).count() == 2


def test_another_suppliers_preview_is_a_404(supplier_web, supplier):
    from tests.support.factories import UserFactory

    other = UserFactory(type="shop")
    job = ImportJob.objects.create(
        supplier=other, source="x", dry_run=True, state="done", content=shop1_bytes()
    )
    assert supplier_web.post(f"/supplier/imports/{job.pk}/apply/").status_code == 404
    assert ImportJob.objects.count() == 1


def test_a_running_job_shows_its_progress(supplier_web, supplier):
    job = ImportJob.objects.create(
        supplier=supplier, source="x", state="running", processed=40, total=120
    )
    page = supplier_web.get(f"/supplier/imports/{job.pk}/").content.decode()
    assert '<progress max="120" value="40"' in page and "40 of 120 goods" in page
    assert 'http-equiv="refresh"' in page


def test_problem_lines_are_shown_as_readable_messages(supplier_web, supplier, commit_callbacks):
    bad = shop1_bytes().replace(b"price: 110000", b"price: -5", 1)
    upload(supplier_web, commit_callbacks, bad)
    job = ImportJob.objects.get(supplier=supplier)
    page = supplier_web.get(f"/supplier/imports/{job.pk}/").content.decode()
    assert job.state == "failed"
    for problem in job.errors:
        assert f"<li>{problem['message']}</li>" in page


def test_the_import_history_pages_through_every_import(supplier_web, supplier):
    jobs = [ImportJob(supplier=supplier, source=f"source {n}") for n in range(25)]
    ImportJob.objects.bulk_create(jobs)
    first = supplier_web.get("/supplier/imports/").content.decode()
    second = supplier_web.get("/supplier/imports/?page=2").content.decode()
    assert first.count("/supplier/imports/") - first.count('href="/supplier/imports/"') >= 20
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    shown = {
        job.pk
        for job in ImportJob.objects.all()
        if f"/supplier/imports/{job.pk}/" in first + second
    }
    assert len(shown) == 25


LOCAL = "http://127.0.0.1:8999"


def test_the_scheduled_pull_is_set_changed_and_stopped(supplier_web, supplier, settings):
    settings.IMPORT_ALLOWED_HOSTS = ["127.0.0.1:8999"]  # no lookup of a public name
    response = supplier_web.post("/supplier/source/", {"url": f"{LOCAL}/a.yaml", "every": "daily"})
    assert response.status_code == 302
    source = PriceListSource.objects.get(supplier=supplier)
    assert (source.url, source.every) == (f"{LOCAL}/a.yaml", "daily")
    page = supplier_web.get("/supplier/").content.decode()
    assert f"pulled from {LOCAL}/a.yaml daily" in page
    supplier_web.post("/supplier/source/", {"url": f"{LOCAL}/b.csv", "every": "hourly"})
    source.refresh_from_db()
    assert (source.url, source.every) == (f"{LOCAL}/b.csv", "hourly")
    assert supplier_web.post("/supplier/source/", {"stop": "1"}).status_code == 302
    assert not PriceListSource.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": "http://127.0.0.1/list.yaml", "every": "daily"}, "non-public address"),
        ({"url": "ftp://example.com/list.yaml", "every": "daily"}, "Only http and https"),
        ({"url": "https://example.com/a.yaml", "every": "weekly"}, "Select a valid choice"),
        ({"url": "", "every": "daily"}, "This field is required."),
    ],
)
def test_a_bad_schedule_is_refused_and_changes_nothing(supplier_web, supplier, data, message):
    PriceListSource.objects.create(
        supplier=supplier, url="https://example.com/x.yaml", every="daily"
    )
    response = supplier_web.post("/supplier/source/", data)
    assert 400 <= response.status_code < 500
    assert message in response.content.decode()
    source = PriceListSource.objects.get(supplier=supplier)
    assert (source.url, source.every) == ("https://example.com/x.yaml", "daily")


def test_stopping_a_schedule_there_is_not_is_a_404(supplier_web, supplier):
    response = supplier_web.post("/supplier/source/", {"stop": "1"})
    assert response.status_code == 404
    assert "No price list is pulled on a schedule." in response.content.decode()


def test_the_shop_is_renamed(supplier_web, supplier):
    shop = ShopFactory(user=supplier, name="Старое имя")
    response = supplier_web.post("/supplier/name/", {"name": "Новое имя"})
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.name == "Новое имя"
    assert "Новое имя" in supplier_web.get("/supplier/").content.decode()


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_bad_name_is_a_400_and_keeps_the_old_one(supplier_web, supplier, name):
    shop = ShopFactory(user=supplier, name="Старое имя")
    response = supplier_web.post("/supplier/name/", {"name": name})
    assert response.status_code == 400
    shop.refresh_from_db()
    assert shop.name == "Старое имя"


def test_renaming_before_any_shop_is_a_404(supplier_web, supplier):
    response = supplier_web.post("/supplier/name/", {"name": "Имя"})
    assert response.status_code == 404
    assert "You have no shop yet" in response.content.decode()
    assert not Shop.objects.exists()


@pytest.mark.parametrize(
    "path",
    ["/supplier/imports/", "/supplier/name/", "/supplier/source/", "/supplier/imports/1/apply/"],
)
def test_the_new_supplier_pages_are_for_suppliers_only(buyer_web, path):
    response = buyer_web.get(path) if path == "/supplier/imports/" else buyer_web.post(path)
    assert response.status_code == 403
    assert not PriceListSource.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_exported_spreadsheet_uploaded_again_previews_no_change(
    supplier_web, supplier, commit_callbacks, fmt
):
    import_pricelist(supplier=supplier, data=shop1_bytes(), source="setup")
    response = supplier_web.get("/supplier/export/", {"format": fmt})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    upload(supplier_web, commit_callbacks, content, name=f"shop1.{fmt}", dry_run="on")
    job = ImportJob.objects.get(supplier=supplier, dry_run=True)
    assert (job.state, job.created, job.updated, job.withdrawn) == ("done", 0, 0, 0)
    assert (job.processed, job.total) == (14, 14)
    page = supplier_web.get(f"/supplier/imports/{job.pk}/").content.decode()
    assert '<dd id="job-updated">0</dd>' in page


def test_an_old_preview_lets_its_upload_go_and_then_cannot_be_applied(
    supplier_web, supplier, commit_callbacks, settings
):
    from datetime import timedelta

    from django.utils import timezone

    from procurement.pricelists.tasks import forget_old_previews

    settings.PREVIEW_KEEP_HOURS = 24
    import_pricelist(supplier=supplier, data=shop1_bytes(), source="setup")
    upload(supplier_web, commit_callbacks, edited_shop1(), dry_run="on")
    upload(supplier_web, commit_callbacks, edited_shop1(), dry_run="on")
    old, recent = ImportJob.objects.filter(supplier=supplier, dry_run=True).order_by("pk")
    ImportJob.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(hours=25))

    assert forget_old_previews() == 1

    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.content is None and old.updated == 2  # its counts stay
    assert recent.content is not None
    before = catalog_snapshot()
    with commit_callbacks():
        refused = supplier_web.post(f"/supplier/imports/{old.pk}/apply/")
    assert refused.status_code == 409
    assert "older than 24 hours" in refused.content.decode()
    assert catalog_snapshot() == before
    assert ImportJob.objects.filter(supplier=supplier).count() == 2  # the two previews
