import csv
import io
import json

import pytest
import yaml
from django.core.management import call_command

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
