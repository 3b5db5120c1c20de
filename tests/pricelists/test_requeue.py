"""Jobs whose task was lost (the broker was down when they were queued) are started again."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from procurement.catalog.models import Offer
from procurement.pricelists.models import ExportJob, ImportJob, JobState
from tests.support.pricelists import DEMO, shop1_bytes

pytestmark = pytest.mark.django_db


def queued_import(owner, *, minutes_ago: int, state: str = JobState.QUEUED) -> ImportJob:
    job = ImportJob.objects.create(
        supplier=owner,
        source="shop1.yaml",
        filename="shop1.yaml",
        content=shop1_bytes(),
        state=state,
    )
    ImportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return job


def test_jobs_still_queued_long_after_they_were_created_run_again(supplier, commit_callbacks):
    lost = queued_import(supplier, minutes_ago=30)
    recent = queued_import(supplier, minutes_ago=1)
    out = StringIO()
    with commit_callbacks():
        call_command("requeue_jobs", stdout=out)
    assert "1 import job(s) and 0 export job(s)" in out.getvalue()
    lost.refresh_from_db()
    recent.refresh_from_db()
    assert (lost.state, lost.created, lost.attempts) == (JobState.DONE, 14, 1)
    assert recent.state == JobState.QUEUED  # its task may still be on the way
    assert Offer.objects.filter(shop__user=supplier).count() == 14


def test_a_job_that_ran_meanwhile_is_not_run_twice(supplier, commit_callbacks):
    lost = queued_import(supplier, minutes_ago=30)
    with commit_callbacks():  # two tasks for the same job, as when the first was only late
        call_command("requeue_jobs", stdout=StringIO())
        call_command("requeue_jobs", "--older-than", "0", stdout=StringIO())
    lost.refresh_from_db()
    assert (lost.state, lost.attempts) == (JobState.DONE, 1)


def test_export_jobs_are_started_again_too(supplier, commit_callbacks):
    with commit_callbacks():
        call_command(
            "import_pricelist",
            str(DEMO / "shop1.yaml"),
            "--owner",
            supplier.email,
            stdout=StringIO(),
        )
    job = ExportJob.objects.create(supplier=supplier, format="yaml")
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=1))
    with commit_callbacks():
        call_command("requeue_jobs", stdout=StringIO())
    job.refresh_from_db()
    assert job.state == JobState.DONE
    assert b"shop:" in bytes(job.content)


def test_the_command_also_starts_jobs_whose_lease_ran_out(supplier, commit_callbacks):
    dead = queued_import(supplier, minutes_ago=1, state=JobState.RUNNING)
    ImportJob.objects.filter(pk=dead.pk).update(
        attempts=1, heartbeat_at=timezone.now() - timedelta(minutes=10)
    )
    out = StringIO()
    with commit_callbacks():
        call_command("requeue_jobs", stdout=out)
    assert "1 import job(s) and 0 export job(s)" in out.getvalue()
    dead.refresh_from_db()
    assert (dead.state, dead.created, dead.attempts) == (JobState.DONE, 14, 2)


def test_the_periodic_task_takes_jobs_queued_longer_than_job_lost_after_seconds(
    supplier, commit_callbacks, settings
):
    from procurement.pricelists.tasks import recover_jobs

    settings.JOB_LOST_AFTER_SECONDS = 120
    lost = queued_import(supplier, minutes_ago=3)
    recent = queued_import(supplier, minutes_ago=1)
    with commit_callbacks():
        recover_jobs()
    lost.refresh_from_db()
    recent.refresh_from_db()
    assert (lost.state, lost.attempts) == (JobState.DONE, 1)
    assert (recent.state, recent.attempts) == (JobState.QUEUED, 0)
