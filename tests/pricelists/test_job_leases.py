"""Jobs carry a lease: a job whose run died is started again by the periodic `recover_jobs`,
and a job runs at most once to completion, even when a slow run's lease is taken over."""

import threading
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from harness.waiting import wait_until
from procurement.catalog.models import Offer
from procurement.pricelists import services, tasks
from procurement.pricelists.models import ExportJob, ImportJob, JobState
from procurement.pricelists.services import (
    MAX_ATTEMPTS,
    export_job_run,
    import_job_run,
    import_pricelist,
    jobs_recover,
)
from tests.support.factories import SupplierFactory
from tests.support.pricelists import as_yaml, generated, shop1_bytes


def running_import(owner, *, lease_renewed_ago: timedelta, attempts: int = 1) -> ImportJob:
    """An import job as a run left it when its worker died (or while it is alive)."""
    job = ImportJob.objects.create(
        supplier=owner,
        source="shop1.yaml",
        filename="shop1.yaml",
        content=shop1_bytes(),
        state=JobState.RUNNING,
        attempts=attempts,
        task_id="the-task-of-a-dead-worker",
        started_at=timezone.now() - lease_renewed_ago,
    )
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - lease_renewed_ago)
    return job


def test_recover_jobs_is_the_beat_task():
    schedule = django_settings.CELERY_BEAT_SCHEDULE["recover-jobs"]
    assert schedule["task"] == tasks.recover_jobs.name
    assert schedule["schedule"] == django_settings.MAINTENANCE_INTERVAL_SECONDS


@pytest.mark.django_db
def test_a_job_whose_lease_ran_out_is_started_again(supplier, commit_callbacks):
    dead = running_import(supplier, lease_renewed_ago=timedelta(minutes=5))
    with commit_callbacks():
        tasks.recover_jobs()
    dead.refresh_from_db()
    assert (dead.state, dead.attempts, dead.created, dead.errors) == (JobState.DONE, 2, 14, [])
    assert dead.task_id == ""  # run in-process here; by a worker it is the new task's id
    assert Offer.objects.filter(shop__user=supplier).count() == 14


@pytest.mark.django_db
def test_a_job_with_a_live_lease_is_left_to_its_run(supplier, commit_callbacks):
    alive = running_import(supplier, lease_renewed_ago=timedelta(seconds=5))
    with commit_callbacks():
        assert jobs_recover() == (0, 0)
    # Another task cannot take it either: only its own task, delivered again.
    assert import_job_run(job_id=alive.pk, task_id="another-task") is None
    alive.refresh_from_db()
    assert (alive.state, alive.attempts) == (JobState.RUNNING, 1)
    assert not Offer.objects.exists()


@pytest.mark.django_db
def test_a_job_whose_runs_keep_dying_is_given_up(supplier, commit_callbacks):
    doomed = running_import(supplier, lease_renewed_ago=timedelta(minutes=5), attempts=MAX_ATTEMPTS)
    with commit_callbacks():
        tasks.recover_jobs()
    doomed.refresh_from_db()
    assert (doomed.state, doomed.attempts) == (JobState.FAILED, MAX_ATTEMPTS)
    given_up = f"The job was started {MAX_ATTEMPTS} times and never finished."
    assert doomed.errors == [{"error": given_up, "message": given_up}]
    assert doomed.content is None
    assert not Offer.objects.exists()


@pytest.mark.django_db
def test_a_job_given_up_says_so_in_its_suppliers_language(commit_callbacks):
    supplier = SupplierFactory(language="ru")
    doomed_import = running_import(
        supplier, lease_renewed_ago=timedelta(minutes=5), attempts=MAX_ATTEMPTS
    )
    doomed_export = ExportJob.objects.create(
        supplier=supplier, format="json", state=JobState.RUNNING, attempts=MAX_ATTEMPTS
    )
    with commit_callbacks():
        tasks.recover_jobs()  # by the periodic task, in no request's language
    given_up = f"Задание запускалось {MAX_ATTEMPTS} раз и так и не завершилось."
    for job in (doomed_import, doomed_export):
        job.refresh_from_db()
        assert (job.state, job.attempts, job.errors) == (
            JobState.FAILED,
            MAX_ATTEMPTS,
            [{"error": given_up, "message": given_up}],
        )
    assert not Offer.objects.exists()


@pytest.mark.django_db
def test_an_export_whose_claim_was_taken_over_records_nothing(supplier, monkeypatch):
    import_pricelist(supplier=supplier, data=shop1_bytes(), source="setup")
    job = ExportJob.objects.create(supplier=supplier, format="json")
    written = services.export_chunks

    def taken_over_while_writing(*, shop, fmt):
        # its lease ran out while it wrote the file, and a newer run claimed the job
        ExportJob.objects.filter(pk=job.pk).update(attempts=2, task_id="newer")
        yield from written(shop=shop, fmt=fmt)

    monkeypatch.setattr(services, "export_chunks", taken_over_while_writing)
    assert export_job_run(job_id=job.pk, task_id="first") is None
    job.refresh_from_db()
    assert (job.state, job.attempts, job.task_id, job.content) == (
        JobState.RUNNING,
        2,
        "newer",
        None,
    )


@pytest.mark.django_db
def test_an_export_whose_lease_ran_out_is_started_again(supplier, commit_callbacks):
    import_pricelist(supplier=supplier, data=shop1_bytes(), source="setup")
    job = ExportJob.objects.create(
        supplier=supplier, format="json", state=JobState.RUNNING, attempts=1
    )
    ExportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=5))
    with commit_callbacks():
        tasks.recover_jobs()
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.DONE, 2)
    assert b'"shop": ' in bytes(job.content)


class SlowList(BaseHTTPRequestHandler):
    """Serves the price lists of `server.bodies` in turn, each after `server.before(n)`."""

    def do_GET(self):
        number = self.server.requests = self.server.requests + 1
        try:
            self.server.before(number)
        finally:
            connection.close()  # the hook may have used the database from this thread
        body = self.server.bodies[min(number, len(self.server.bodies)) - 1]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def list_server(settings):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), SlowList)
    httpd.requests = 0
    httpd.before = lambda number: None
    settings.IMPORT_ALLOWED_HOSTS = [f"127.0.0.1:{httpd.server_port}"]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def url_import(owner, server) -> ImportJob:
    url = f"http://127.0.0.1:{server.server_port}/list.yaml"
    return ImportJob.objects.create(supplier=owner, url=url, source=url)


def priced(price: int) -> bytes:
    document = generated(3)
    for good in document["goods"]:
        good["price"] = price
    return as_yaml(document)


@pytest.mark.django_db(transaction=True)
def test_a_run_whose_claim_was_taken_over_rolls_back(supplier, list_server):
    """The first run's download is slow; meanwhile its lease runs out and a second run takes
    the job over and finishes it. The first run's price list arrives last: it must not be
    applied, nor finish the job again."""
    job = url_import(supplier, list_server)
    list_server.bodies = [priced(111), priced(222)]
    second_run = []

    def before(number):
        if number == 1:  # the first run is downloading: its lease runs out, a new run starts
            ImportJob.objects.filter(pk=job.pk).update(
                heartbeat_at=timezone.now() - timedelta(hours=1)
            )
            second_run.append(import_job_run(job_id=job.pk, task_id="second"))

    list_server.before = before
    assert import_job_run(job_id=job.pk, task_id="first") is None  # rolled back

    assert len(second_run) == 1 and second_run[0].state == JobState.DONE
    job.refresh_from_db()
    assert (job.state, job.attempts, job.task_id) == (JobState.DONE, 2, "second")
    assert (job.created, job.updated, job.withdrawn) == (3, 0, 0)
    offers = Offer.objects.filter(shop__user=supplier)
    assert offers.count() == 3
    assert set(offers.values_list("price", flat=True)) == {Decimal("222.00")}


@pytest.mark.django_db(transaction=True)
def test_a_running_job_renews_its_lease_and_is_not_started_again(supplier, list_server, settings):
    settings.JOB_LEASE_SECONDS = 1  # renewed every third of a second
    job = url_import(supplier, list_server)
    list_server.bodies = [shop1_bytes()]
    release = threading.Event()
    list_server.before = lambda number: release.wait(30)
    runner = threading.Thread(target=lambda: (import_job_run(job_id=job.pk), connection.close()))
    runner.start()
    try:
        wait_until(
            lambda: list_server.requests == 1,
            timeout=10,
            message="the run never started its download",
        )
        claimed = ImportJob.objects.get(pk=job.pk).heartbeat_at
        # Three lease lengths: a run that did not renew its lease would have lost it.
        wait_until(
            lambda: ImportJob.objects.get(pk=job.pk).heartbeat_at > claimed + timedelta(seconds=3),
            timeout=20,
            message="the lease was not renewed",
        )
        assert jobs_recover() == (0, 0)
        assert ImportJob.objects.get(pk=job.pk).attempts == 1
    finally:
        release.set()
        runner.join(timeout=60)
    job.refresh_from_db()
    assert (job.state, job.attempts, job.created) == (JobState.DONE, 1, 14)
    assert list_server.requests == 1
