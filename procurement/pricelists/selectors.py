"""Price-list reads: a supplier's import history."""

from django.db.models import QuerySet

from procurement.accounts.models import User
from procurement.pricelists.models import ImportJob


def import_jobs_of(*, supplier: User) -> "QuerySet[ImportJob]":
    """The supplier's import jobs (uploads, URLs, scheduled pulls, commands, previews),
    newest first, without their uploads: one query a page."""
    return (
        ImportJob.objects.filter(supplier=supplier)
        .defer("content", "changes", "warnings", "errors")
        .order_by("-created_at", "-id")
    )
