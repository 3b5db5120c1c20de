"""Price-list tasks: they take job ids and are safe to run twice.

A job is claimed by the task run that starts it; the same task delivered again (its
worker died mid-job, so nothing of the run was committed) claims it again, and so does
any run once the job's lease has run out; only the run holding the claim can finish it
(see the services module). The services import is deferred because the services
dispatch these very tasks.
"""

from celery import Task, shared_task

from procurement.core.tasks import periodic


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def do_import(self: Task, job_id: int) -> None:
    from procurement.pricelists.services import import_job_run

    import_job_run(job_id=job_id, task_id=self.request.id)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def do_export(self: Task, job_id: int) -> None:
    from procurement.pricelists.services import export_job_run

    export_job_run(job_id=job_id, task_id=self.request.id)


@shared_task(ignore_result=True)
@periodic
def recover_jobs() -> None:
    """Run by beat every MAINTENANCE_INTERVAL_SECONDS: start again the jobs whose task was
    lost or whose worker died, so none waits for an operator."""
    from procurement.pricelists.services import jobs_recover

    jobs_recover()


@shared_task(ignore_result=True)
@periodic
def pull_price_lists() -> None:
    """Run by beat every MAINTENANCE_INTERVAL_SECONDS: start the scheduled pulls whose
    time has come, each an import job."""
    from procurement.pricelists.services import sources_pull_due

    sources_pull_due()


@shared_task(ignore_result=True)
@periodic
def forget_old_previews() -> int:
    """Run by beat hourly: let go of the uploads of previews older than PREVIEW_KEEP_HOURS."""
    from procurement.pricelists.services import previews_forget_old

    return previews_forget_old()
