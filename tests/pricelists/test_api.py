import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from procurement.catalog.models import Offer, Shop
from procurement.pricelists.models import ImportJob
from procurement.pricelists.services import import_pricelist
from tests.support.clients import client_for
from tests.support.factories import SupplierFactory, UserFactory
from tests.support.pricelists import (
    as_json,
    as_yaml,
    catalog_snapshot,
    shop1_bytes,
    shop1_document,
    with_good,
)

pytestmark = pytest.mark.django_db

UPDATE = "/api/v1/partner/update"
STATE = "/api/v1/partner/state"
EXPORT = "/api/v1/partner/export"


def upload(client, data: bytes, name: str = "shop1.yaml", **extra):
    return client.post(
        UPDATE, {"file": SimpleUploadedFile(name, data), **extra}, format="multipart"
    )


def job_url(job_id: int) -> str:
    return f"/api/v1/partner/imports/{job_id}"


def test_upload_queues_a_job_that_imports_after_commit(supplier_client, supplier, commit_callbacks):
    with commit_callbacks():
        response = upload(supplier_client, shop1_bytes())
    assert response.status_code == 202
    job = ImportJob.objects.get()
    assert response.json() == {"Status": True, "job": job.id}
    assert response["Location"] == f"http://testserver{job_url(job.id)}"

    body = supplier_client.get(job_url(job.id)).json()
    assert body["state"] == "done"
    assert (body["created"], body["updated"], body["withdrawn"], body["errors"]) == (14, 0, 0, [])
    assert body["source"] == "uploaded file shop1.yaml"
    assert body["started_at"] and body["finished_at"]
    assert set(body) == {
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
        "changes",
        "warnings",
        "errors",
        "created_at",
        "started_at",
        "finished_at",
    }
    assert (body["dry_run"], body["processed"], body["total"], body["changes"]) == (
        False,
        14,
        14,
        [],
    )
    assert body["warnings"] == []
    assert Shop.objects.get(user=supplier).offers.count() == 14
    job.refresh_from_db()
    assert job.content is None, "the upload is dropped once imported"

    with commit_callbacks():
        again = upload(supplier_client, shop1_bytes())
    body = supplier_client.get(job_url(again.json()["job"])).json()
    assert (body["state"], body["created"], body["updated"], body["withdrawn"]) == ("done", 0, 0, 0)


def test_json_upload(supplier_client, supplier, commit_callbacks):
    with commit_callbacks():
        response = upload(supplier_client, as_json(shop1_document()), name="list.json")
    assert supplier_client.get(job_url(response.json()["job"])).json()["state"] == "done"
    assert Offer.objects.filter(shop__user=supplier).count() == 14


def _twice(data: bytes, line: str) -> bytes:
    """`data` with the given line repeated under itself, its value changed."""
    assert line.encode() in data
    return data.replace(line.encode(), f"{line}\n{line.split(':')[0]}: 1".encode(), 1)


@pytest.mark.parametrize(
    "name, data, message",
    [
        (
            "shop1.yaml",
            _twice(shop1_bytes(), "    price: 110000"),
            "line 18: The key “price” comes twice.",
        ),
        (
            "shop1.yaml",
            _twice(shop1_bytes(), '      "Цвет": золотистый'),
            "line 25: The key “Цвет” comes twice.",
        ),
        (
            "list.json",
            '{"shop": "Связной", "shop": "Другой", "categories": [], "goods": []}'.encode(),
            "Not valid JSON: the key “shop” comes twice in one object",
        ),
    ],
    ids=["yaml field", "yaml parameter", "json"],
)
def test_a_key_given_twice_is_refused_not_guessed(
    supplier_client, supplier, commit_callbacks, name, data, message
):
    """Either value of a repeated key would drop the other unseen: the list is refused."""
    import_pricelist(supplier=supplier, data=shop1_bytes(), source="setup")
    before = catalog_snapshot()
    with commit_callbacks():
        response = upload(supplier_client, data, name=name)
    body = supplier_client.get(job_url(response.json()["job"])).json()
    assert (body["state"], [error["message"] for error in body["errors"]]) == ("failed", [message])
    assert catalog_snapshot() == before


@pytest.mark.parametrize(
    "line, written, field",
    [
        ("  - id: 4216292", "0100", "id"),
        ("    price: 110000", "1:30", "price"),
        ("    quantity: 14", "0x10", "quantity"),
        ("    category: 224", "2_24", "category"),
    ],
)
def test_a_number_yaml_readers_read_differently_is_refused_not_guessed(
    supplier_client, supplier, commit_callbacks, line, written, field
):
    """`id: 0100` is 64 to a YAML 1.1 reader and 100 to a YAML 1.2 one: either guess could
    put the offer under another id or price."""
    import_pricelist(supplier=supplier, data=shop1_bytes(), source="setup")
    before = catalog_snapshot()
    data = shop1_bytes().replace(line.encode(), f"{line.split(':')[0]}: {written}".encode(), 1)
    with commit_callbacks():
        response = upload(supplier_client, data)
    body = supplier_client.get(job_url(response.json()["job"])).json()
    assert body["state"] == "failed"
    [error] = body["errors"]
    assert (error["field"], error["error"]) == (
        field,
        f"“{written}” is read as different numbers by different YAML readers: write the "
        "number in plain digits.",
    )
    assert catalog_snapshot() == before


def test_a_job_is_run_once(supplier_client, supplier, commit_callbacks):
    from procurement.pricelists.tasks import do_import

    with commit_callbacks():
        job_id = upload(supplier_client, shop1_bytes()).json()["job"]
    finished = ImportJob.objects.get(pk=job_id).finished_at
    do_import(job_id)
    assert ImportJob.objects.get(pk=job_id).finished_at == finished


@pytest.mark.parametrize(
    "data, error",
    [
        (
            as_yaml(with_good(shop1_document(), 3, price=-1)),
            {
                "section": "goods",
                "index": 3,
                "id": 4672670,
                "field": "price",
                "error": "Must not be negative.",
                "line": 48,
                "message": "goods[3] (id 4672670), line 48: price: Must not be negative.",
            },
        ),
        (
            b'!!python/object/apply:os.system ["echo hacked"]',
            {
                "line": 1,
                "error": "YAML tag tag:yaml.org,2002:python/object/apply:os.system is not allowed.",
                "message": "line 1: YAML tag tag:yaml.org,2002:python/object/apply:os.system "
                "is not allowed.",
            },
        ),
    ],
)
def test_a_bad_file_fails_the_job_and_changes_nothing(
    supplier_client, supplier, commit_callbacks, data, error
):
    import_pricelist(supplier=supplier, data=shop1_bytes(), source="setup")
    before = catalog_snapshot()
    with commit_callbacks():
        response = upload(supplier_client, data)
    assert response.status_code == 202
    body = supplier_client.get(job_url(response.json()["job"])).json()
    assert body["state"] == "failed"
    assert body["errors"] == [error]
    assert (body["created"], body["updated"], body["withdrawn"]) == (0, 0, 0)
    assert catalog_snapshot() == before


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"url": "http://example.com/list.yaml", "file": "placeholder"},
    ],
)
def test_exactly_one_of_url_and_file(supplier_client, payload):
    if "file" in payload:
        payload = {**payload, "file": SimpleUploadedFile("a.yaml", shop1_bytes())}
    response = supplier_client.post(UPDATE, payload, format="multipart")
    assert response.status_code == 400
    assert response.json()["Status"] is False
    assert not ImportJob.objects.exists()


def test_oversize_upload_is_413_and_queues_nothing(supplier_client, settings):
    settings.IMPORT_MAX_BYTES = 1000
    response = upload(supplier_client, shop1_bytes())
    assert response.status_code == 413
    assert response.json() == {
        "Status": False,
        "Errors": "The price list is larger than 1000 bytes.",
    }
    assert not ImportJob.objects.exists()
    assert not Shop.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/list.yaml",
        "gopher://127.0.0.1/",
        "http://10.0.0.1/list.yaml",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/list.yaml",
        "http://localhost:9/list.yaml",
        "http://no-such-host.invalid/list.yaml",
        "http://user:pw@example.com/list.yaml",
        "not a url",
    ],
)
def test_refused_urls_are_400_at_once(supplier_client, url):
    response = supplier_client.post(UPDATE, {"url": url}, format="json")
    assert response.status_code == 400
    assert response.json()["Status"] is False
    assert not ImportJob.objects.exists()


def test_a_host_that_resolves_to_a_private_address_later_fails_the_job(
    supplier_client, commit_callbacks, monkeypatch
):
    from procurement.pricelists import fetch

    monkeypatch.setattr(
        fetch.socket,
        "getaddrinfo",
        lambda *args, **kwargs: [(None, None, None, "", ("93.184.216.34", 80))],
    )
    with commit_callbacks():
        response = supplier_client.post(
            UPDATE, {"url": "http://pricelists.example.com/list.yaml"}, format="json"
        )
        assert response.status_code == 202
        # the name now points inside (DNS rebinding): the task checks it again
        monkeypatch.setattr(
            fetch.socket,
            "getaddrinfo",
            lambda *args, **kwargs: [(None, None, None, "", ("10.0.0.7", 80))],
        )
    body = supplier_client.get(job_url(response.json()["job"])).json()
    assert body["state"] == "failed"
    assert "non-public address" in body["errors"][0]["error"]
    assert body["source"] == "http://pricelists.example.com/list.yaml"
    assert not Shop.objects.exists()


def test_import_job_is_visible_to_its_supplier_and_staff_only(supplier_client, commit_callbacks):
    with commit_callbacks():
        job_id = upload(supplier_client, shop1_bytes()).json()["job"]
    other = client_for(SupplierFactory())
    response = other.get(job_url(job_id))
    assert response.status_code == 404
    assert response.json()["Status"] is False
    staff = client_for(UserFactory(is_staff=True))
    assert staff.get(job_url(job_id)).status_code == 200
    assert supplier_client.get(job_url(999999)).status_code == 404


PARTNER_CALLS = [
    ("post", UPDATE, {"url": "http://example.com/a.yaml"}),
    ("get", job_url(1), None),
    ("get", STATE, None),
    ("post", STATE, {"state": "off"}),
    ("get", EXPORT, None),
    ("post", EXPORT, {"format": "yaml"}),
    ("get", "/api/v1/partner/exports/1", None),
    ("get", "/api/v1/partner/exports/1/download", None),
]


@pytest.mark.parametrize("method, path, payload", PARTNER_CALLS)
def test_partner_paths_refuse_buyers_and_anonymous(
    api_client, buyer_client, supplier, method, path, payload
):
    import_pricelist(supplier=supplier, data=shop1_bytes(), source="setup")
    before = catalog_snapshot()
    refused = getattr(buyer_client, method)(path, payload, format="json")
    assert refused.status_code == 403
    assert refused.json() == {
        "Status": False,
        "Errors": "Only supplier accounts may use this endpoint.",
    }
    anonymous = getattr(api_client, method)(path, payload, format="json")
    assert anonymous.status_code == 401
    assert anonymous.json()["Status"] is False
    assert catalog_snapshot() == before
    assert not ImportJob.objects.exists()


def test_state_set_before_the_first_upload_sticks(supplier_client, supplier, commit_callbacks):
    assert supplier_client.get(STATE).json() == {"id": None, "name": None, "state": True}

    response = supplier_client.post(STATE, {"state": "off"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"Status": True, "id": None, "name": None, "state": False}
    assert not Shop.objects.exists()
    assert supplier_client.get(STATE).json() == {"id": None, "name": None, "state": False}

    with commit_callbacks():
        assert upload(supplier_client, shop1_bytes()).status_code == 202
    shop = Shop.objects.get(user=supplier)
    assert shop.accepts_orders is False
    assert supplier_client.get(STATE).json() == {"id": shop.id, "name": "Связной", "state": False}
    assert client_for(UserFactory()).get("/api/v1/shops").json()["count"] == 0


def test_after_the_first_upload_the_switch_is_the_shops(
    supplier_client, supplier, commit_callbacks
):
    supplier_client.post(STATE, {"state": "off"}, format="json")
    with commit_callbacks():
        upload(supplier_client, shop1_bytes())
    response = supplier_client.post(STATE, {"state": "on"}, format="json")
    shop = Shop.objects.get(user=supplier)
    assert response.json() == {"Status": True, "id": shop.id, "name": "Связной", "state": True}
    with commit_callbacks():
        upload(supplier_client, shop1_bytes())
    shop.refresh_from_db()
    assert shop.accepts_orders is True


def test_bad_state_before_the_first_upload_is_400_and_changes_nothing(supplier_client, supplier):
    response = supplier_client.post(STATE, {"state": "maybe"}, format="json")
    assert response.status_code == 400
    assert "state" in response.json()["Errors"]
    supplier.refresh_from_db()
    assert supplier.new_shop_accepts_orders is True
    assert not Shop.objects.exists()


@pytest.mark.parametrize(
    "value, expected",
    [
        ("off", False),
        ("on", True),
        ("false", False),
        ("TRUE", True),
        ("0", False),
        ("1", True),
        (False, False),
        (True, True),
        (0, False),
        (1, True),
    ],
)
def test_state_can_be_switched(supplier_client, supplier, value, expected):
    shop = Shop.objects.create(user=supplier, name="Мой", accepts_orders=not expected)
    response = supplier_client.post(STATE, {"state": value}, format="json")
    assert response.status_code == 200
    assert response.json() == {"Status": True, "id": shop.id, "name": "Мой", "state": expected}
    shop.refresh_from_db()
    assert shop.accepts_orders is expected
    assert supplier_client.get(STATE).json() == {"id": shop.id, "name": "Мой", "state": expected}


@pytest.mark.parametrize("value", ["yes", "", "2", 2, None, [], {"a": 1}, "onn"])
def test_bad_state_is_400_and_changes_nothing(supplier_client, supplier, value):
    shop = Shop.objects.create(user=supplier, name="Мой", accepts_orders=True)
    response = supplier_client.post(STATE, {"state": value}, format="json")
    assert response.status_code == 400
    assert response.json()["Status"] is False
    assert "state" in response.json()["Errors"]
    shop.refresh_from_db()
    assert shop.accepts_orders is True


def test_missing_state_is_400(supplier_client, supplier):
    Shop.objects.create(user=supplier, name="Мой")
    assert supplier_client.post(STATE, {}, format="json").status_code == 400


def test_state_can_be_sent_as_a_form(supplier_client, supplier):
    shop = Shop.objects.create(user=supplier, name="Мой", accepts_orders=True)
    response = supplier_client.post(STATE, {"state": "off"}, format="multipart")
    assert response.status_code == 200
    assert response.json() == {"Status": True, "id": shop.id, "name": "Мой", "state": False}
