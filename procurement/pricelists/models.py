from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobState(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class ExportFormat(models.TextChoices):
    YAML = "yaml", "YAML"
    JSON = "json", "JSON"
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class PullEvery(models.TextChoices):
    HOURLY = "hourly", _("hourly")
    DAILY = "daily", _("daily")


PULL_SECONDS = {PullEvery.HOURLY: 3600, PullEvery.DAILY: 86400}


class Job(models.Model):
    """What import and export jobs share: their state, errors, task and times."""

    state = models.CharField(
        _("state"), max_length=10, choices=JobState.choices, default=JobState.QUEUED
    )
    errors = models.JSONField(_("errors"), default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(
        _("attempts"), default=0, help_text=_("Runs started; the latest one holds the job.")
    )
    heartbeat_at = models.DateTimeField(
        _("lease renewed"),
        null=True,
        blank=True,
        help_text=_("Renewed by the running run; a job whose lease ran out is started again."),
    )
    task_id = models.CharField(_("task id"), max_length=255, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]


class ImportJob(Job):
    """One price-list import of a supplier, run by the `do_import` task.

    An uploaded file is kept in `content` until the job finishes (the task may run in another
    process, so it cannot be a temporary file); a URL is fetched by the task itself.
    """

    supplier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supplier"),
        on_delete=models.CASCADE,
        related_name="import_jobs",
    )
    source = models.CharField(_("source"), max_length=2100)
    url = models.URLField(_("URL"), max_length=2000, blank=True)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    content = models.BinaryField(_("uploaded file"), null=True, blank=True, editable=False)
    dry_run = models.BooleanField(
        _("preview only"),
        default=False,
        help_text=_("Checked and compared with the catalog, nothing written."),
    )
    scheduled = models.BooleanField(
        _("scheduled pull"), default=False, help_text=_("Started by the supplier's schedule.")
    )
    processed = models.PositiveIntegerField(_("goods processed"), default=0)
    total = models.PositiveIntegerField(_("goods in the list"), null=True, blank=True)
    created = models.PositiveIntegerField(_("offers created"), default=0)
    updated = models.PositiveIntegerField(_("offers updated"), default=0)
    withdrawn = models.PositiveIntegerField(_("offers withdrawn"), default=0)
    changes = models.JSONField(
        _("changes"),
        default=list,
        blank=True,
        help_text=_("A preview's sample of what would change: prices, quantities, goods."),
    )
    warnings = models.JSONField(
        _("warnings"),
        default=list,
        blank=True,
        help_text=_("What the price list asked for and did not get; the import still succeeded."),
    )

    class Meta(Job.Meta):
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")

    def __str__(self) -> str:
        return f"import #{self.pk} ({self.state})"

    def change_lines(self) -> list[str]:
        """The preview's changes, one line each, for the command and the admin."""
        lines = []
        for change in self.changes:
            subject = "category " if change.get("section") == "categories" else ""
            line = f"{change.get('change')}: {subject}{change.get('id')} {change.get('name', '')}"
            if change.get("old_name"):
                line += f" (was {change['old_name']})"
            for name in ("price", "quantity"):
                value = change.get(name)
                if isinstance(value, list):
                    line += f"; {name} {value[0]} → {value[1]}"
                elif value is not None:
                    line += f"; {name} {value}"
            lines.append(line)
        return lines


class PriceListSource(models.Model):
    """A supplier's price-list URL, pulled on a schedule: each pull is an import job, and a
    list the server says is unchanged since the last one imported is not fetched again."""

    supplier = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supplier"),
        on_delete=models.CASCADE,
        related_name="price_list_source",
    )
    url = models.URLField(_("URL"), max_length=2000)
    every = models.CharField(_("every"), max_length=10, choices=PullEvery.choices)
    etag = models.CharField(_("ETag of the last list imported"), max_length=200, blank=True)
    last_modified = models.CharField(
        _("Last-Modified of the last list imported"), max_length=100, blank=True
    )
    last_pulled_at = models.DateTimeField(_("last pulled"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("scheduled price list")
        verbose_name_plural = _("scheduled price lists")

    def __str__(self) -> str:
        return f"{self.url} ({self.every})"


class ExportJob(Job):
    """One price-list export, run by the `do_export` task; the file is kept in `content`."""

    supplier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supplier"),
        on_delete=models.CASCADE,
        related_name="export_jobs",
    )
    format = models.CharField(_("format"), max_length=4, choices=ExportFormat.choices)
    content = models.BinaryField(_("file"), null=True, blank=True, editable=False)

    class Meta(Job.Meta):
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")

    def __str__(self) -> str:
        return f"export #{self.pk} ({self.state})"
