"""A job never stays `running` after an error: whatever its errors hold, they are stored
(bounded, with the characters PostgreSQL refuses written out), and any failure of the
finish itself fails the job with a readable reason."""

import io
import json
from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection

from procurement.catalog.models import Offer
from procurement.pricelists import services
from procurement.pricelists.models import ImportJob, JobState
from procurement.pricelists.services import MAX_PROBLEMS, MAX_TEXT, import_pricelist, storable
from tests.support.pricelists import as_yaml, catalog_snapshot, generated, shop1_bytes

UPDATE = "/api/v1/partner/update"


def upload(client, data: bytes, name: str = "list.yaml") -> ImportJob:
    response = client.post(UPDATE, {"file": SimpleUploadedFile(name, data)}, format="multipart")
    assert response.status_code == 202, response.content
    return ImportJob.objects.get(pk=response.json()["job"])


NUL_IN_VALUES = b"""\
shop: Shop
categories:
  - {id: 1, name: One}
goods:
  - id: "4\\0"
    category: 1
    name: Good
    price: 1
    price_rrc: 1
    quantity: 1
  - id: 5
    category: 1
    name: Other
    price: 1
    price_rrc: 1
    quantity: 1
    parameters: {"Co\\0lour": red}
"""


@pytest.mark.django_db(transaction=True)
def test_errors_repeating_a_nul_are_stored_with_the_nul_written_out(supplier, supplier_client):
    job = upload(supplier_client, NUL_IN_VALUES)
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert job.finished_at is not None
    assert job.errors == [
        {
            "section": "goods",
            "index": 0,
            "id": "4\\x00",
            "field": "id",
            "error": "Expected a whole number from 1 to 9223372036854775807.",
            "line": 5,
            "message": "goods[0] (id 4\\x00), line 5: id: "
            "Expected a whole number from 1 to 9223372036854775807.",
        },
        {
            "section": "goods",
            "index": 1,
            "id": 5,
            "field": "parameters",
            "error": "Co\\x00lour: Must not contain NUL characters.",
            "line": 11,
            "message": "goods[1] (id 5), line 11: parameters: "
            "Co\\x00lour: Must not contain NUL characters.",
        },
    ]
    body = supplier_client.get(f"/api/v1/partner/imports/{job.pk}").json()
    assert body["errors"] == job.errors
    assert not Offer.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_errors_repeating_a_lone_surrogate_are_stored_written_out(supplier, supplier_client):
    document = generated(1)
    document["goods"][0]["parameters"] = {"\ud800x": 1}
    data = json.dumps(document).encode()  # ASCII JSON: the surrogate travels as \ud800
    job = upload(supplier_client, data, name="list.json")
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert job.errors[0]["error"] == "\\ud800x: Not valid Unicode text."


def test_stored_problems_are_bounded_in_count_and_size():
    problems = [{"error": "x" * 50_000, "id": 2**80, "index": index} for index in range(500)]
    kept = storable(problems)
    assert len(kept) == MAX_PROBLEMS + 1
    more = f"{500 - MAX_PROBLEMS} more problems are not shown."
    assert kept[-1] == {"error": more, "message": more}
    assert all(len(problem["error"]) <= MAX_TEXT for problem in kept)
    assert kept[0]["id"] == str(2**80)  # no number jsonb or a JSON reader would choke on
    assert len(json.dumps(kept)) < 200 * MAX_TEXT


LONG_NUMBER = "9" * 5000  # past the 4,300 digits Python turns into an int


def with_long_number(field: str) -> bytes:
    good = {"id": 7, "category": 1, "name": "Good", "price": 100, "price_rrc": 120, "quantity": 3}
    good[field] = LONG_NUMBER
    lines = [f"{name}: {value}" for name, value in good.items()]
    return (
        "shop: Shop\ncategories:\n  - {id: 1, name: One}\ngoods:\n  - "
        + "\n    ".join(lines)
        + "\n"
    ).encode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field, shown_id, message",
    [
        ("quantity", 7, "Expected a whole number from 0 to 2147483647."),
        ("price", 7, "Must not be greater than 9999999999.99."),
        ("id", None, "Expected a whole number from 1 to 9223372036854775807."),
    ],
)
def test_a_yaml_number_of_thousands_of_digits_is_a_validation_error(
    supplier, supplier_client, commit_callbacks, field, shown_id, message
):
    import_pricelist(supplier=supplier, data=shop1_bytes(), source="setup")
    before = catalog_snapshot()
    with commit_callbacks():
        job = upload(supplier_client, with_long_number(field))
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    shown = f" (id {shown_id})" if shown_id else ""
    assert job.errors == [
        {
            "section": "goods",
            "index": 0,
            "id": shown_id,
            "field": field,
            "error": message,
            "line": 5,
            "message": f"goods[0]{shown}, line 5: {field}: {message}",
        }
    ]
    assert catalog_snapshot() == before


@pytest.mark.django_db
def test_a_long_number_in_json_is_a_validation_error_too(
    supplier, supplier_client, commit_callbacks
):
    data = json.dumps(generated(1)).replace('"quantity": 0', f'"quantity": {LONG_NUMBER}')
    with commit_callbacks():
        job = upload(supplier_client, data.encode(), name="list.json")
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert job.errors == [
        {
            "section": "goods",
            "index": 0,
            "id": 1,
            "field": "quantity",
            "error": "Expected a whole number from 0 to 2147483647.",
            "message": "goods[0] (id 1): quantity: Expected a whole number from 0 to 2147483647.",
        }
    ]


@contextmanager
def refusing_to_record_an_import_done():
    """PostgreSQL refuses to record any import job as done, as a database refusing a row
    would: the finish fails, whatever the reason."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse_done() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'refused'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_done BEFORE UPDATE ON pricelists_importjob FOR EACH ROW "
            "WHEN (NEW.state = 'done') EXECUTE FUNCTION refuse_done()"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER refuse_done ON pricelists_importjob")
            cursor.execute("DROP FUNCTION refuse_done()")


@pytest.mark.django_db(transaction=True)
def test_a_finish_the_database_refuses_fails_the_job_and_rolls_the_import_back(
    supplier, supplier_client
):
    if connection.vendor != "postgresql":
        pytest.skip("the refusing trigger is written for PostgreSQL")
    import_pricelist(supplier=supplier, data=shop1_bytes(), source="setup")
    before = catalog_snapshot()
    with refusing_to_record_an_import_done():
        job = upload(supplier_client, as_yaml(generated(5, shop="Связной")))
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    unexpected = "The import failed unexpectedly."
    assert job.errors == [{"error": unexpected, "message": unexpected}]
    assert catalog_snapshot() == before


@pytest.mark.django_db
def test_an_unexpected_failure_is_a_problem_with_its_message(
    supplier, supplier_client, monkeypatch, commit_callbacks
):
    import_pricelist(supplier=supplier, data=shop1_bytes(), source="setup")
    before = catalog_snapshot()

    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(services, "apply_pricelist", broken)
    with commit_callbacks():
        job = upload(supplier_client, as_yaml(generated(5, shop="Связной")))
    job.refresh_from_db()
    unexpected = "The import failed unexpectedly."
    assert (job.state, job.errors) == (
        JobState.FAILED,
        [{"error": unexpected, "message": unexpected}],
    )
    shown = supplier_client.get(f"/api/v1/partner/imports/{job.pk}").json()["errors"]
    assert shown == [{"error": unexpected, "message": unexpected}]
    assert catalog_snapshot() == before


@pytest.mark.django_db
def test_errors_that_cannot_be_stored_leave_a_problem_with_its_message(
    supplier_client, monkeypatch, commit_callbacks
):
    written = services._finish

    def refusing_the_errors(*args, errors, **kwargs):
        if errors and "could not be stored" not in errors[0]["error"]:
            raise DatabaseError("value too long")
        return written(*args, errors=errors, **kwargs)

    monkeypatch.setattr(services, "_finish", refusing_the_errors)
    with commit_callbacks():
        job = upload(supplier_client, b"shop: [broken")
    job.refresh_from_db()
    lost = "The job failed, and its errors could not be stored."
    assert (job.state, job.errors) == (JobState.FAILED, [{"error": lost, "message": lost}])
    assert not Offer.objects.exists()


@pytest.mark.django_db
def test_warnings_past_the_bound_end_with_a_warning_saying_how_many_more(supplier):
    job = ImportJob.objects.create(supplier=supplier, source="test", state=JobState.RUNNING)
    warnings = [{"warning": f"w{index}", "message": f"w{index}"} for index in range(300)]
    assert services._finish(ImportJob, job.pk, 0, state=JobState.DONE, errors=[], warnings=warnings)
    job.refresh_from_db()
    more = f"{300 - MAX_PROBLEMS} more problems are not shown."
    assert job.warnings == [*warnings[:MAX_PROBLEMS], {"warning": more, "message": more}]


def test_every_refusal_of_a_price_list_carries_its_problems():
    from procurement.core.errors import ApplicationError, ErrorCode
    from procurement.pricelists.errors import ImportFailed, describe, problems_of
    from procurement.pricelists.fetch import check_url
    from procurement.pricelists.parse import parse_document
    from procurement.pricelists.validate import validate_pricelist

    refusals = []
    for refuse in (
        lambda: check_url("ftp://example.com/list.yaml"),
        lambda: parse_document(b"shop: [broken"),
        lambda: validate_pricelist({"shop": "S", "categories": [], "goods": []}),
    ):
        with pytest.raises(ImportFailed) as caught:
            refuse()
        refusals.append(caught.value)
    fetch, parse, invalid = refusals
    assert fetch.problems == [{"error": "Only http and https URLs are allowed."}]
    assert parse.problems[0]["line"] == 2
    assert invalid.problems == [
        {"field": "categories", "error": "Expected a non-empty list of categories."}
    ]
    assert all(isinstance(error.message, str) for error in refusals)
    assert [problems_of(error) for error in refusals] == [
        [{**problem, "message": describe(problem)} for problem in error.problems]
        for error in refusals
    ]
    assert problems_of(ApplicationError(ErrorCode.NOT_FOUND, "No shop.")) == [
        {"error": "No shop.", "message": "No shop."}
    ]


@pytest.mark.django_db
def test_the_import_command_prints_every_problem(supplier, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    document = generated(2)
    document["goods"][0]["price"] = -1
    document["goods"][1]["quantity"] = "many"
    path = tmp_path / "bad.yaml"
    path.write_bytes(as_yaml(document))
    stderr = io.StringIO()
    with pytest.raises(
        CommandError, match=r"Import job \d+ failed; its problems are listed above\."
    ):
        call_command(
            "import_pricelist",
            str(path),
            "--owner",
            supplier.email,
            stdout=io.StringIO(),
            stderr=stderr,
        )
    printed = [line for line in stderr.getvalue().splitlines() if line.startswith("  ")]
    assert printed == [
        "  goods[0] (id 1), line 14: price: Must not be negative.",
        "  goods[1] (id 2), line 25: quantity: Expected a whole number from 0 to 2147483647.",
    ]
    assert not Offer.objects.exists()


@pytest.mark.django_db
def test_a_jobs_errors_are_written_in_its_suppliers_language(commit_callbacks):
    from procurement.pricelists.models import ExportJob
    from tests.support.clients import client_for
    from tests.support.factories import SupplierFactory

    client = client_for(SupplierFactory(language="ru"))
    with commit_callbacks():
        response = client.post(
            UPDATE,
            {"file": SimpleUploadedFile("list.yaml", b"shop: S\ncategories: []\ngoods: []\n")},
            format="multipart",
            HTTP_ACCEPT_LANGUAGE="en",  # the request's language is not the supplier's
        )
        export = client.post(
            "/api/v1/partner/export", {"format": "json"}, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 202 and export.status_code == 404  # no shop yet
    job = ImportJob.objects.get(pk=response.json()["job"])
    assert (job.state, job.errors) == (
        JobState.FAILED,
        [
            {
                "field": "categories",
                "error": "Ожидается непустой список категорий.",
                "message": "categories: Ожидается непустой список категорий.",
            }
        ],
    )
    assert not ExportJob.objects.exists()
    assert export.json() == {
        "Status": False,
        "Errors": "You have no shop yet: import a price list first.",
    }
