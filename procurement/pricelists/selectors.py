"""Price-list reads: a supplier's import history."""

from django.db.models import QuerySet

from procurement.accounts.models import User
from procurement.pricelists.models import ImportJob, JobState, PriceListSource


def import_jobs_of(*, supplier: User) -> "QuerySet[ImportJob]":
    """The supplier's import jobs (uploads, URLs, scheduled pulls, commands, previews),
    newest first, without their uploads: one query a page."""
    return (
        ImportJob.objects.filter(supplier=supplier)
        .defer("content", "changes", "warnings", "errors")
        .order_by("-created_at", "-id")
    )


def price_list_source_of(*, supplier: User) -> PriceListSource | None:
    """The supplier's scheduled pull, if it has one."""
    return PriceListSource.objects.filter(supplier=supplier).first()


def preview_appliable(*, job: ImportJob) -> bool:
    """Whether a job is a finished preview that can still be applied: of a URL (fetched
    again), or of an upload it still keeps (read without loading the file)."""
    if not job.dry_run or job.state != JobState.DONE:
        return False
    return bool(job.url) or (ImportJob.objects.filter(pk=job.pk, content__isnull=False).exists())
