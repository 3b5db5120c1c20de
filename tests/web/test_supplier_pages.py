import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from procurement.catalog.models import Offer, Shop
from procurement.pricelists.models import ImportJob
from tests.support.factories import ContactFactory, OfferFactory, ShopFactory
from tests.support.orders import place
from tests.support.pricelists import shop1_bytes

pytestmark = pytest.mark.django_db

SUPPLIER_PATHS = [
    "/supplier/",
    "/supplier/upload/",
    "/supplier/imports/1/",
    "/supplier/export/?format=yaml",
    "/supplier/orders/",
]


@pytest.mark.parametrize("path", SUPPLIER_PATHS)
def test_supplier_pages_are_for_suppliers_only(buyer_web, path):
    assert buyer_web.get(path).status_code == 403


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Only supplier accounts may use this page."),
        ("ru", "Эта страница только для учётных записей поставщиков."),
    ],
    ids=["en", "ru"],
)
@pytest.mark.parametrize("path", ["/supplier/", "/supplier/orders/"])
def test_a_buyer_is_told_the_page_is_for_suppliers_without_a_traceback(
    buyer_web, path, language, message, caplog
):
    caplog.set_level(logging.DEBUG)
    response = buyer_web.get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 403
    assert message in response.content.decode()
    assert not [record for record in caplog.records if record.exc_info]
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_a_buyer_cannot_switch_a_shops_intake(buyer_web, supplier):
    shop = ShopFactory(user=supplier, accepts_orders=True)
    assert buyer_web.post("/supplier/state/", {}).status_code == 403
    shop.refresh_from_db()
    assert shop.accepts_orders


def upload(client, commit_callbacks, content: bytes, name="shop1.yaml"):
    with commit_callbacks():
        return client.post(
            "/supplier/upload/", {"file": SimpleUploadedFile(name, content), "url": ""}
        )


def test_an_uploaded_price_list_becomes_a_job_whose_page_shows_the_result(
    supplier_web, supplier, commit_callbacks
):
    response = upload(supplier_web, commit_callbacks, shop1_bytes())
    job = ImportJob.objects.get(supplier=supplier)
    assert response.status_code == 302
    assert response["Location"] == f"/supplier/imports/{job.pk}/"
    page = supplier_web.get(response["Location"]).content.decode()
    assert 'id="job-state">done<' in page
    assert '<dd id="job-created">14</dd>' in page
    assert 'http-equiv="refresh"' not in page
    dashboard = supplier_web.get("/supplier/").content.decode()
    assert "Связной" in dashboard and f"/supplier/imports/{job.pk}/" in dashboard
    assert "14 new, 0 changed, 0 withdrawn" in dashboard


def test_a_bad_price_list_fails_its_job_with_errors_that_say_where(
    supplier_web, supplier, commit_callbacks
):
    bad = shop1_bytes().replace(b"price: 110000", b"price: -5", 1)
    upload(supplier_web, commit_callbacks, bad)
    job = ImportJob.objects.get(supplier=supplier)
    page = supplier_web.get(f"/supplier/imports/{job.pk}/").content.decode()
    assert job.state == "failed"
    assert 'id="job-errors"' in page and "price" in page
    assert Offer.objects.count() == 0


def test_a_running_job_page_reloads_itself(supplier_web, supplier):
    job = ImportJob.objects.create(supplier=supplier, source="x", url="https://e.com/a.yaml")
    page = supplier_web.get(f"/supplier/imports/{job.pk}/").content.decode()
    assert 'http-equiv="refresh"' in page


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"url": "not a url"},
        {"url": "https://example.com/a.yaml", "file": "FILE"},
        {"url": "http://127.0.0.1:5432/"},
    ],
)
def test_a_bad_upload_is_a_400_and_makes_no_job(supplier_web, supplier, data):
    if data.get("file") == "FILE":
        data["file"] = SimpleUploadedFile("a.yaml", b"shop: x")
    response = supplier_web.post("/supplier/upload/", data)
    assert response.status_code == 400
    assert not ImportJob.objects.exists()


def test_an_upload_over_the_limit_is_a_413_and_makes_no_job(supplier_web, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = supplier_web.post(
        "/supplier/upload/", {"file": SimpleUploadedFile("a.yaml", b"x" * 1000)}
    )
    assert response.status_code == 413
    assert not ImportJob.objects.exists()


def test_an_upload_needs_the_csrf_token(supplier, settings):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(supplier)
    response = client.post("/supplier/upload/", {"file": SimpleUploadedFile("a.yaml", b"x")})
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_another_suppliers_job_is_a_404(supplier_web):
    other = ImportJob.objects.create(
        supplier=ShopFactory().user, source="x", url="https://e.com/a.yaml"
    )
    assert supplier_web.get(f"/supplier/imports/{other.pk}/").status_code == 404


def test_the_intake_switch(supplier_web, supplier):
    shop = ShopFactory(user=supplier, accepts_orders=True)
    assert supplier_web.post("/supplier/state/", {}).status_code == 302
    shop.refresh_from_db()
    assert not shop.accepts_orders
    assert "does not accept orders now" in supplier_web.get("/supplier/").content.decode()
    supplier_web.post("/supplier/state/", {"accepts_orders": "on"})
    shop.refresh_from_db()
    assert shop.accepts_orders


@pytest.mark.parametrize("fmt", ["yaml", "json", "csv"])
def test_the_export_in_every_format(supplier_web, supplier, fmt):
    shop = ShopFactory(user=supplier, name="Мой")
    OfferFactory(shop=shop, model="m-1")
    response = supplier_web.get("/supplier/export/", {"format": fmt})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert b"m-1" in b"".join(response.streaming_content)


@pytest.mark.parametrize("fmt", ["exe", "", "YAML "])
def test_an_unknown_export_format_is_a_400(supplier_web, supplier, fmt):
    ShopFactory(user=supplier)
    assert supplier_web.get("/supplier/export/", {"format": fmt}).status_code == 400


def test_the_export_before_any_shop_is_a_404(supplier_web):
    assert supplier_web.get("/supplier/export/", {"format": "yaml"}).status_code == 404
    assert not Shop.objects.exists()


def test_the_supplier_sees_only_its_lines_of_an_order(supplier_web, supplier):
    mine = OfferFactory(shop=ShopFactory(user=supplier), product__name="Мой товар", quantity=5)
    theirs = OfferFactory(product__name="Чужой товар", quantity=5)
    contact = ContactFactory()
    order = place(contact.user, contact, (mine, 1), (theirs, 2))
    page = supplier_web.get("/supplier/orders/").content.decode()
    assert f"Order {order.pk}" in page
    assert "Мой товар" in page and "Чужой товар" not in page
    assert (
        f"Order {order.pk}"
        not in supplier_web.get("/supplier/orders/", {"state": "sent"}).content.decode()
    )
    assert supplier_web.get("/supplier/orders/", {"state": "nope"}).status_code == 400
