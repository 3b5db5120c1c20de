import csv
import io
import json

import pytest
import yaml
from django.core.management import call_command
from openpyxl import load_workbook

from procurement.catalog.models import Shop
from procurement.pricelists.models import ExportJob, ImportJob, JobState
from procurement.pricelists.services import import_pricelist
from tests.support.clients import client_for
from tests.support.factories import SupplierFactory
from tests.support.pricelists import (
    as_json,
    as_yaml,
    catalog_snapshot,
    generated,
    shop1_bytes,
    shop1_document,
)

pytestmark = pytest.mark.django_db

EXPORT = "/api/v1/partner/export"


def exported(client, fmt: str) -> bytes:
    response = client.get(EXPORT, {"format": fmt})
    assert response.status_code == 200, response.content
    assert response.streaming
    return b"".join(response.streaming_content)


@pytest.fixture
def imported(supplier):
    import_pricelist(supplier=supplier, data=shop1_bytes(), source="setup")
    return Shop.objects.get(user=supplier)


def test_yaml_export_is_the_imported_document(supplier_client, imported):
    response = supplier_client.get(EXPORT, {"format": "yaml"})
    assert response["Content-Type"].startswith("application/yaml")
    assert "attachment" in response["Content-Disposition"]
    document = yaml.safe_load(b"".join(response.streaming_content))
    original = shop1_document()
    assert document["shop"] == original["shop"]
    assert sorted(c["id"] for c in document["categories"]) == sorted(
        c["id"] for c in original["categories"]
    )
    assert [good["id"] for good in document["goods"]] == [good["id"] for good in original["goods"]]
    first = document["goods"][0]
    assert first == {
        "id": 4216292,
        "category": 224,
        "model": "apple/iphone/xs-max",
        "name": "Смартфон Apple iPhone XS Max 512GB (золотистый)",
        "price": 110000,
        "price_rrc": 116990,
        "quantity": 14,
        "parameters": {
            "Диагональ (дюйм)": "6.5",
            "Разрешение (пикс)": "2688x1242",
            "Встроенная память (Гб)": "512",
            "Цвет": "золотистый",
        },
    }


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_round_trip_reimports_to_the_identical_catalog(supplier_client, supplier, fmt):
    document = generated(30)
    document["goods"][0]["price"] = 10.05
    document["goods"][1]["model"] = ""
    document["goods"][2]["parameters"] = {}
    document["goods"][3]["parameters"]["Дата"] = "2020-01-02"
    import_pricelist(supplier=supplier, data=as_yaml(document), source="setup")
    before = catalog_snapshot()
    data = exported(supplier_client, fmt)
    if fmt == "json":
        assert json.loads(data)["goods"][0]["price"] == 10.05
    result = import_pricelist(supplier=supplier, data=data, source="export", filename=f"x.{fmt}")
    assert (result.created, result.updated, result.withdrawn) == (0, 0, 0)
    assert catalog_snapshot() == before

    # into another supplier's account: the same goods come out again
    other = SupplierFactory()
    import_pricelist(supplier=other, data=data, source="export", filename=f"x.{fmt}")
    assert yaml.safe_load(exported(client_for(other), fmt)) == yaml.safe_load(data)


def test_withdrawn_offers_are_not_exported(supplier_client, supplier, imported):
    document = shop1_document()
    document["goods"].pop(0)
    import_pricelist(supplier=supplier, data=as_json(document), source="less", filename="x.json")
    goods = json.loads(exported(supplier_client, "json"))["goods"]
    assert 4216292 not in [good["id"] for good in goods]
    assert len(goods) == 13


def test_csv_export(supplier_client, imported):
    rows = list(csv.DictReader(io.StringIO(exported(supplier_client, "csv").decode())))
    assert len(rows) == 14
    assert rows[0] == {
        "id": "4216292",
        "category": "224",
        "category_name": "Смартфоны",
        "model": "apple/iphone/xs-max",
        "name": "Смартфон Apple iPhone XS Max 512GB (золотистый)",
        "price": "110000.00",
        "price_rrc": "116990.00",
        "quantity": "14",
        "param:Диагональ (дюйм)": "6.5",
        "param:Разрешение (пикс)": "2688x1242",
        "param:Встроенная память (Гб)": "512",
        "param:Цвет": "золотистый",
        "param:Screen Size (inches)": "",
        "param:Resolution (pixels)": "",
        "param:Internal Memory (GB)": "",
        "param:Color": "",
        "param:Capacity (GB)": "",
        "param:Smart TV": "",
    }


def test_export_of_a_shop_with_no_current_goods(supplier_client, supplier):
    Shop.objects.create(user=supplier, name="Пусто")
    assert yaml.safe_load(exported(supplier_client, "yaml"))["goods"] == []
    assert json.loads(exported(supplier_client, "json"))["goods"] == []
    assert exported(supplier_client, "csv").decode().strip().startswith("id,category")


@pytest.mark.parametrize("fmt", ["xml", "YAML", "yaml,json"])
def test_bad_format_is_400(supplier_client, imported, fmt):
    response = supplier_client.get(EXPORT, {"format": fmt})
    assert response.status_code == 400
    assert response.json()["Status"] is False
    assert "format" in response.json()["Errors"]


def test_export_without_a_shop_is_404(supplier_client):
    response = supplier_client.get(EXPORT, {"format": "yaml"})
    assert response.status_code == 404
    assert response.json()["Status"] is False
    response = supplier_client.post(EXPORT, {"format": "yaml"}, format="json")
    assert response.status_code == 404
    assert not ExportJob.objects.exists()


def test_export_job(supplier_client, imported, commit_callbacks):
    with commit_callbacks():
        response = supplier_client.post(EXPORT, {"format": "json"}, format="json")
    assert response.status_code == 202
    job = ExportJob.objects.get()
    assert response.json() == {"Status": True, "job": job.id}
    assert response["Location"] == f"http://testserver/api/v1/partner/exports/{job.id}"
    body = supplier_client.get(response["Location"]).json()
    assert body["state"] == JobState.DONE and body["format"] == "json" and body["errors"] == []
    assert body["download"] == f"http://testserver/api/v1/partner/exports/{job.id}/download"
    download = supplier_client.get(body["download"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/json"
    assert len(json.loads(download.content)["goods"]) == 14

    other = SupplierFactory()
    assert client_for(other).get(f"/api/v1/partner/exports/{job.id}").status_code == 404
    assert client_for(other).get(body["download"]).status_code == 404


def test_unfinished_export_job_has_no_file(supplier_client, supplier, imported):
    job = ExportJob.objects.create(supplier=supplier, format="yaml")
    body = supplier_client.get(f"/api/v1/partner/exports/{job.id}").json()
    assert (body["state"], body["download"]) == ("queued", None)
    response = supplier_client.get(f"/api/v1/partner/exports/{job.id}/download")
    assert response.status_code == 409
    assert response.json()["Status"] is False


def test_a_done_export_job_without_its_file_is_not_a_500(supplier_client, supplier, imported):
    job = ExportJob.objects.create(supplier=supplier, format="yaml", state=JobState.DONE)
    response = supplier_client.get(f"/api/v1/partner/exports/{job.id}/download")
    assert response.status_code == 409
    assert response.json() == {"Status": False, "Errors": "The export is not finished."}
    assert ExportJob.objects.values_list("state", "content").get(pk=job.pk) == (JobState.DONE, None)


def test_bad_export_job_format_is_400(supplier_client, imported):
    response = supplier_client.post(EXPORT, {"format": "pdf"}, format="json")
    assert response.status_code == 400
    assert not ExportJob.objects.exists()


def test_export_command_writes_yaml_to_stdout_and_to_a_file(imported, tmp_path):
    out = io.StringIO()
    call_command("export_pricelist", "--shop", str(imported.pk), "--format", "yaml", stdout=out)
    assert len(yaml.safe_load(out.getvalue())["goods"]) == 14
    target = tmp_path / "list.json"
    call_command(
        "export_pricelist", "--shop", str(imported.pk), "--format", "json", "--output", str(target)
    )
    assert len(json.loads(target.read_bytes())["goods"]) == 14


def test_import_command_shows_a_progress_bar_and_records_a_job(supplier, tmp_path):
    path = tmp_path / "shop1.yaml"
    path.write_bytes(shop1_bytes())
    out, err = io.StringIO(), io.StringIO()
    call_command("import_pricelist", str(path), "--owner", supplier.email, stdout=out, stderr=err)
    job = ImportJob.objects.get()
    assert "14 created, 0 updated, 0 withdrawn" in out.getvalue()
    assert f"(job {job.pk})" in out.getvalue()
    assert "14/14" in err.getvalue() and "goods" in err.getvalue()
    assert (job.state, job.source, job.processed, job.total, job.created) == (
        JobState.DONE,
        str(path),
        14,
        14,
        14,
    )


def test_import_command_is_silent_with_verbosity_0(supplier, tmp_path):
    path = tmp_path / "shop1.yaml"
    path.write_bytes(shop1_bytes())
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_pricelist", str(path), "--owner", supplier.email, "-v", "0", stdout=out, stderr=err
    )
    assert err.getvalue() == ""
    assert ImportJob.objects.get().created == 14


def test_import_command_refuses_bad_input(supplier, buyer, tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "bad.yaml"
    path.write_bytes(b"shop: [")
    with pytest.raises(CommandError):
        call_command(
            "import_pricelist",
            str(path),
            "--owner",
            supplier.email,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    with pytest.raises(CommandError):
        call_command("import_pricelist", str(path), "--owner", buyer.email, stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command(
            "import_pricelist",
            str(tmp_path / "missing.yaml"),
            "--owner",
            supplier.email,
            stdout=io.StringIO(),
        )
    assert not Shop.objects.exists()


MEDIA_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "yaml": "application/yaml",
    "json": "application/json",
}
# Accept headers that admit a format's media type ("{type}"), by what they say.
ADMITTING = {
    "exact": "{type}",
    "with a charset": "{type}; charset=utf-8",
    "type/*": "{main}/*",
    "*/*": "*/*",
    "absent": None,
    "a list with q-values": "text/html;q=0.9, {type};q=0.5, */*;q=0",
    "a browser's": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "the schema's list": ", ".join(MEDIA_TYPES.values()),
}
# And headers that admit none of it: 406, in the error shape.
REFUSING = {
    "another type": "{other}",
    "q=0": "{type};q=0, */*",
    "*/*;q=0": "*/*;q=0",
}


def accept(template: str | None, fmt: str) -> dict[str, str]:
    if template is None:
        return {}
    other = MEDIA_TYPES["json" if fmt != "json" else "csv"]
    value = template.format(type=MEDIA_TYPES[fmt], main=MEDIA_TYPES[fmt].split("/")[0], other=other)
    return {"HTTP_ACCEPT": value}


def content_of(fmt: str, data: bytes):
    """The price list a file holds: its goods' ids and names, and its categories' names."""
    if fmt in ("yaml", "json"):
        document = yaml.safe_load(data)
        rows = [(str(good["id"]), good["name"]) for good in document["goods"]]
        return rows, sorted(category["name"] for category in document["categories"])
    if fmt == "csv":
        table = list(csv.reader(io.StringIO(data.decode())))
    else:
        table = [list(row) for row in load_workbook(io.BytesIO(data), read_only=True).active.values]
    header, *rows = table
    ids, names, categories = (header.index(name) for name in ("id", "name", "category_name"))
    return [(str(row[ids]), row[names]) for row in rows], sorted({row[categories] for row in rows})


def the_export(fmt: str, response) -> None:
    """`response` is the file of `fmt`, the supplier's whole price list."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"].split(";")[0] == MEDIA_TYPES[fmt]
    assert f'.{fmt}"' in response["Content-Disposition"]
    data = b"".join(response.streaming_content) if response.streaming else response.content
    assert content_of(fmt, data) == the_list()


def the_list() -> tuple[list, list]:
    """The supplier's price list in the form of content_of."""
    document = shop1_document()
    goods = [(str(good["id"]), good["name"]) for good in document["goods"]]
    return goods, sorted(category["name"] for category in document["categories"])


def not_acceptable(fmt: str, response) -> None:
    assert response.status_code == 406
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "Status": False,
        "Errors": f"The file is {MEDIA_TYPES[fmt]}, which the Accept header does not admit.",
    }


@pytest.mark.parametrize("fmt", MEDIA_TYPES)
@pytest.mark.parametrize("header", ADMITTING.values(), ids=ADMITTING)
def test_an_accept_header_admitting_the_format_gets_the_file(
    supplier_client, imported, fmt, header
):
    the_export(fmt, supplier_client.get(EXPORT, {"format": fmt}, **accept(header, fmt)))


@pytest.mark.parametrize("fmt", MEDIA_TYPES)
@pytest.mark.parametrize("header", REFUSING.values(), ids=REFUSING)
def test_an_accept_header_admitting_none_of_it_is_406(supplier_client, imported, fmt, header):
    not_acceptable(fmt, supplier_client.get(EXPORT, {"format": fmt}, **accept(header, fmt)))


@pytest.mark.parametrize("fmt", MEDIA_TYPES)
def test_an_export_jobs_file_follows_the_accept_header(
    supplier_client, imported, commit_callbacks, fmt
):
    with commit_callbacks():
        job = supplier_client.post(EXPORT, {"format": fmt}, format="json").json()["job"]
    download = f"/api/v1/partner/exports/{job}/download"
    for header in ADMITTING.values():
        the_export(fmt, supplier_client.get(download, **accept(header, fmt)))
    for header in REFUSING.values():
        not_acceptable(fmt, supplier_client.get(download, **accept(header, fmt)))


@pytest.mark.parametrize("fmt", MEDIA_TYPES)
@pytest.mark.parametrize(
    "header", ["application/octet-stream", f"{MEDIA_TYPES['json']};q=0, application/octet-stream"]
)
def test_a_client_asking_for_bytes_gets_the_file_as_bytes(
    supplier_client, imported, commit_callbacks, fmt, header
):
    direct = supplier_client.get(EXPORT, {"format": fmt}, HTTP_ACCEPT=header)
    with commit_callbacks():
        job = supplier_client.post(EXPORT, {"format": fmt}, format="json").json()["job"]
    download = supplier_client.get(f"/api/v1/partner/exports/{job}/download", HTTP_ACCEPT=header)
    for response in (direct, download):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/octet-stream"
        data = b"".join(response.streaming_content) if response.streaming else response.content
        assert content_of(fmt, data) == the_list()


def test_the_schema_documents_the_media_types_the_files_are_sent_as(supplier_client):
    schema = supplier_client.get("/api/schema/", {"format": "json"}).json()
    paths = ["/api/v1/partner/export", "/api/v1/partner/exports/{job_id}/download"]
    for path in paths:
        responses = schema["paths"][path]["get"]["responses"]
        # The plain bytes first: a client generated from the schema reads every file so.
        assert list(responses["200"]["content"]) == [
            "application/octet-stream",
            *(MEDIA_TYPES[fmt] for fmt in ("csv", "xlsx", "yaml", "json")),
        ]
        assert responses["406"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }


@pytest.mark.parametrize("header", ["text/csv", "application/yaml", "text/*", "image/png"])
def test_errors_are_json_whatever_the_accept_header(supplier_client, supplier, header):
    asked = {"HTTP_ACCEPT": header}
    no_shop = supplier_client.get(EXPORT, {"format": "csv"}, **asked)
    bad_format = supplier_client.get(EXPORT, {"format": "pdf"}, **asked)
    no_job = supplier_client.get("/api/v1/partner/exports/999/download", **asked)
    Shop.objects.create(user=supplier, name="Пусто")
    queued = ExportJob.objects.create(supplier=supplier, format="csv")
    unfinished = supplier_client.get(f"/api/v1/partner/exports/{queued.pk}/download", **asked)
    anonymous = client_for(SupplierFactory())
    anonymous.credentials(HTTP_AUTHORIZATION="Token wrong")
    no_token = anonymous.get(EXPORT, {"format": "csv"}, **asked)
    started = supplier_client.post(EXPORT, {"format": "csv"}, format="json", **asked)
    answers = [no_shop, bad_format, no_job, unfinished, no_token, started]
    assert [response.status_code for response in answers] == [404, 400, 404, 409, 401, 202]
    assert {response["Content-Type"] for response in answers} == {"application/json"}
    assert no_shop.json() == {
        "Status": False,
        "Errors": "You have no shop yet: import a price list first.",
    }
    assert no_job.json() == {"Status": False, "Errors": "Export job not found."}
    assert bad_format.json()["Status"] is False and "format" in bad_format.json()["Errors"]
    assert unfinished.json() == {"Status": False, "Errors": "The export is not finished."}
    assert no_token.json()["Status"] is False
    assert started.json() == {"Status": True, "job": ExportJob.objects.latest("id").pk}


def test_the_406_is_in_the_suppliers_language(supplier_client, imported):
    response = supplier_client.get(
        EXPORT, {"format": "csv"}, HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert response.status_code == 406
    assert response.json()["Errors"] == (
        "Файл имеет тип text/csv, а заголовок Accept его не допускает."
    )
