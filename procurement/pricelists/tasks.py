"""Price-list tasks: they take job ids and are safe to run twice (a claimed job is skipped).

The services import is deferred because the services dispatch these very tasks.
"""


def do_import(job_id: int) -> None:
    from procurement.pricelists.services import import_job_run

    import_job_run(job_id=job_id)


def do_export(job_id: int) -> None:
    from procurement.pricelists.services import export_job_run

    export_job_run(job_id=job_id)
