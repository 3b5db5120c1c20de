"""Supplier price-list use cases: import (now or as a job), export, and the shop's state."""

import logging
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from procurement.catalog.models import Shop
from procurement.core.errors import ApplicationError, ErrorCode
from procurement.core.tasks import run_after_commit
from procurement.pricelists import tasks
from procurement.pricelists.apply import ImportResult, Progress, apply_pricelist
from procurement.pricelists.export import export_chunks
from procurement.pricelists.fetch import check_url, fetch_url
from procurement.pricelists.models import ExportJob, ImportJob, JobState
from procurement.pricelists.parse import parse_document, read_limited
from procurement.pricelists.validate import validate_pricelist

logger = logging.getLogger(__name__)


def import_pricelist(
    *, owner, data: bytes, source: str, filename: str = "", progress: Progress | None = None
) -> ImportResult:
    """Parse, check and apply a price list for `owner`'s shop; nothing is written if it is bad."""
    report = progress or (lambda stage: None)
    logger.info("importing a price list for %s from %s (%d bytes)", owner, source, len(data))
    report("parsing")
    document = parse_document(data, filename=filename or source)
    report("validating")
    price_list = validate_pricelist(document)
    return apply_pricelist(owner=owner, price_list=price_list, progress=report)


@transaction.atomic
def import_job_create(
    *, owner, url: str | None = None, chunks: Iterable[bytes] | None = None, filename: str = ""
) -> ImportJob:
    """Queue an import of an uploaded file (its `chunks`) or of a URL; exactly one of them."""
    if (url is None) == (chunks is None):
        raise ApplicationError(ErrorCode.INVALID, _("Send either a url or a file, not both."))
    if url is not None:
        check_url(url)
        job = ImportJob.objects.create(owner=owner, url=url, source=url)
    else:
        content = read_limited(chunks)
        job = ImportJob.objects.create(
            owner=owner,
            content=content,
            filename=filename[:255],
            source=_("uploaded file %(name)s") % {"name": filename or "-"},
        )
    run_after_commit(tasks.do_import, job.pk)
    return job


def import_job_run(*, job_id: int, task_id: str | None = None) -> ImportJob | None:
    """Run a queued import job; a job that is running or finished is left alone."""
    if not _claim(ImportJob, job_id, task_id):
        return None
    job = ImportJob.objects.select_related("owner").get(pk=job_id)
    # The job's errors and warnings are read by its supplier: written in their language.
    try:
        with translation.override(job.owner.language or settings.LANGUAGE_CODE):
            data = bytes(job.content) if job.content is not None else fetch_url(job.url)
            result = import_pricelist(
                owner=job.owner, data=data, source=job.source, filename=job.filename
            )
    except ApplicationError as error:
        _finish(job, JobState.FAILED, errors=_errors_of(error))
        return job
    except Exception:
        _finish(job, JobState.FAILED, errors=[{"error": _("The import failed unexpectedly.")}])
        raise
    job.created, job.updated, job.withdrawn = result.created, result.updated, result.withdrawn
    job.warnings = result.warnings
    _finish(job, JobState.DONE, errors=[])
    return job


def import_job_get(*, user, job_id: int) -> ImportJob:
    jobs = ImportJob.objects.all() if user.is_staff else ImportJob.objects.filter(owner=user)
    job = jobs.filter(pk=job_id).first()
    if job is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Import job not found."))
    return job


def shop_of(*, owner) -> Shop:
    shop = Shop.objects.filter(user=owner).first()
    if shop is None:
        raise ApplicationError(
            ErrorCode.NOT_FOUND, _("You have no shop yet: import a price list first.")
        )
    return shop


@transaction.atomic
def shop_set_state(*, owner, state: bool) -> Shop:
    """Open (`state=True`) or close the owner's shop to orders."""
    shop = shop_of(owner=owner)
    if shop.state != state:
        shop.state = state
        shop.save(update_fields=["state", "updated_at"])
    return shop


def export_stream(*, owner, fmt: str) -> tuple[Shop, Iterator[bytes]]:
    shop = shop_of(owner=owner)
    return shop, export_chunks(shop=shop, fmt=fmt)


@transaction.atomic
def export_job_create(*, user, fmt: str) -> ExportJob:
    shop_of(owner=user)
    job = ExportJob.objects.create(user=user, format=fmt)
    run_after_commit(tasks.do_export, job.pk)
    return job


def export_job_run(*, job_id: int, task_id: str | None = None) -> ExportJob | None:
    """Run a queued export job; a job that is running or finished is left alone."""
    if not _claim(ExportJob, job_id, task_id):
        return None
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    try:
        shop = shop_of(owner=job.user)
        job.content = b"".join(export_chunks(shop=shop, fmt=job.format))
    except ApplicationError as error:
        _finish(job, JobState.FAILED, errors=_errors_of(error))
        return job
    except Exception:
        _finish(job, JobState.FAILED, errors=[{"error": _("The export failed unexpectedly.")}])
        raise
    _finish(job, JobState.DONE, errors=[])
    return job


def export_job_get(*, user, job_id: int) -> ExportJob:
    jobs = ExportJob.objects.all() if user.is_staff else ExportJob.objects.filter(user=user)
    job = jobs.defer("content").filter(pk=job_id).first()
    if job is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Export job not found."))
    return job


def export_job_file(*, user, job_id: int) -> tuple[ExportJob, bytes]:
    job = export_job_get(user=user, job_id=job_id)
    if job.state != JobState.DONE:
        raise ApplicationError(ErrorCode.CONFLICT, _("The export is not finished."))
    return job, bytes(ExportJob.objects.values_list("content", flat=True).get(pk=job.pk))


@transaction.atomic
def jobs_requeue(*, queued_before) -> tuple[int, int]:
    """Start again the import and export jobs created at or before `queued_before` and
    still queued (their task was lost, e.g. the broker was down). Safe while the first task
    is still on its way: whichever run comes first claims the job, the other leaves it alone."""
    imports = list(_queued_ids(ImportJob, queued_before))
    exports = list(_queued_ids(ExportJob, queued_before))
    for job_id in imports:
        run_after_commit(tasks.do_import, job_id)
    for job_id in exports:
        run_after_commit(tasks.do_export, job_id)
    return len(imports), len(exports)


def _queued_ids(model, queued_before):
    jobs = model.objects.filter(state=JobState.QUEUED, created_at__lte=queued_before)
    return jobs.order_by("pk").values_list("pk", flat=True)


def _claim(model, job_id: int, task_id: str | None) -> bool:
    """Move a queued job to running; False when another run has it or it is finished.

    A running job is claimed again by a new delivery of the task that started it: that
    run's worker died, and its transaction died with it.
    """
    claimable = Q(state=JobState.QUEUED)
    if task_id:
        claimable |= Q(state=JobState.RUNNING, task_id=task_id)
    return bool(
        model.objects.filter(claimable, pk=job_id).update(
            state=JobState.RUNNING,
            task_id=task_id or "",
            attempts=F("attempts") + 1,
            started_at=timezone.now(),
        )
    )


def _errors_of(error: ApplicationError) -> list:
    return getattr(error, "errors", None) or [{"error": str(error.message)}]


def _finish(job: ImportJob | ExportJob, state: JobState, *, errors: list) -> None:
    job.state = state
    job.errors = errors
    job.finished_at = timezone.now()
    fields = ["state", "errors", "finished_at"]
    if isinstance(job, ImportJob):
        job.content = None  # the upload is no longer needed
        fields += ["content", "created", "updated", "withdrawn", "warnings"]
    else:
        fields.append("content")
    job.save(update_fields=fields)
