"""Supplier price-list use cases: import (now or as a job), export, and the shop's state.

Jobs run at most once to completion. A run claims its job (attempt N) and renews the job's
lease (`heartbeat_at`) from a thread of its own while it works; a job whose lease ran out
(its worker died with it) is claimed again by `jobs_requeue`'s new task, as attempt N + 1.
A run records its outcome only while its attempt still holds the claim, and an import
applies its price list and records its outcome in one transaction: a slow run whose claim
was taken over rolls back instead of finishing the job a second time.
(docs/architecture.md: Jobs: claim, lease, at-most-once finish)
"""

import gc
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import isfinite
from typing import Any, Literal

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Now
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from procurement.accounts.models import User
from procurement.catalog.models import Shop
from procurement.catalog.services import supplier_rename_shop, supplier_set_accepts_orders
from procurement.core.db import retry_on_conflict
from procurement.core.errors import ApplicationError, ErrorCode
from procurement.core.tasks import run_after_commit
from procurement.pricelists import tasks
from procurement.pricelists.apply import (
    Count,
    ImportResult,
    Progress,
    apply_parts,
    apply_pricelist,
    preview_pricelist,
)
from procurement.pricelists.errors import ImportFailed, Locations, problems_of, readable, stated
from procurement.pricelists.export import export_chunks
from procurement.pricelists.fetch import Fetched, FetchError, check_url, fetch_if_changed
from procurement.pricelists.models import (
    PULL_SECONDS,
    ExportJob,
    ImportJob,
    JobState,
    PriceListSource,
)
from procurement.pricelists.parse import read_document, read_limited
from procurement.pricelists.sheets import is_sheet
from procurement.pricelists.stream import SheetReader, checked_sheet, stores_while_reading
from procurement.pricelists.validate import PriceList, validate_pricelist

logger = logging.getLogger(__name__)

Model = type[ImportJob] | type[ExportJob]

# A job whose runs keep dying with their worker (one that runs out of memory, say) is
# given up after this many, instead of taking a worker down again and again.
MAX_ATTEMPTS = 5
# What a job keeps of its errors and warnings: enough to fix the file, bounded in size.
MAX_PROBLEMS = 101  # validation lists 100 problems and a line saying there are more
MAX_TEXT = 1000
# How many of its changes a preview lists (its counts cover them all).
PREVIEW_SAMPLE = 50
# How often a running job's progress (goods processed) is written, at most.
PROGRESS_SECONDS = 1.0


_COLLECTOR_LOCK = threading.Lock()
_COLLECTOR_HOLDERS = 0


@contextmanager
def _without_cycle_collector() -> Iterator[None]:
    """Pause Python's cycle collector while a price list is read, checked and applied.

    A list of 100,000 goods is a million objects that live until the import ends and hold
    no reference cycles (reference counting frees them). With the collector on, every
    full collection while the list is built walks all of them again: that was about a
    tenth of a large import's time. The collector is turned back on when the last import
    running in this process ends, whatever else had turned it off meanwhile."""
    global _COLLECTOR_HOLDERS
    with _COLLECTOR_LOCK:
        if _COLLECTOR_HOLDERS == 0 and not gc.isenabled():
            paused = False  # someone else turned it off: leave it as it is
        else:
            paused = True
            _COLLECTOR_HOLDERS += 1
            gc.disable()
    try:
        yield
    finally:
        if paused:
            with _COLLECTOR_LOCK:
                _COLLECTOR_HOLDERS -= 1
                if _COLLECTOR_HOLDERS == 0:
                    gc.enable()


class ClaimLost(Exception):
    """This run's claim on its job was taken over by a newer run: it must not finish the job."""


def import_pricelist(
    *,
    supplier: User,
    data: bytes,
    source: str,
    filename: str = "",
    dry_run: bool = False,
    progress: Progress | None = None,
    count: Count | None = None,
) -> ImportResult:
    """Parse, check and apply a price list for `supplier`'s shop; nothing is written if it is
    bad. With `dry_run`, nothing is written at all: the result says what would change."""
    report = progress or (lambda stage: None)
    upload = _Upload(supplier, data, source, filename, report, count)
    with _without_cycle_collector():
        if not dry_run:
            return _apply(store=upload.storing())
        price_list = upload.checked()
        report("comparing")
        return preview_pricelist(
            supplier=supplier, price_list=price_list, sample=PREVIEW_SAMPLE, count=count
        )


@dataclass(frozen=True)
class _Upload:
    """A price list to read for a supplier's shop, and whom to tell how far it got."""

    supplier: User
    data: bytes
    source: str  # where it came from, in the log (and its name, when `filename` is blank)
    filename: str
    report: Progress
    count: Count | None

    @property
    def name(self) -> str:
        """What the list's format is told by."""
        return self.filename or self.source

    def checked(self) -> PriceList:
        """The checked price list; refused with each problem as a readable line naming where
        it is in the file (line, row or cell), in the language of the moment."""
        self._starting()
        name, count = self.name, self.count
        if is_sheet(name, self.data):
            price_list = checked_sheet(self.data, name)
            if count is not None:
                count(0, len(price_list.goods))
            return price_list
        locations = Locations()
        try:
            document, locations = read_document(self.data, filename=name)
            goods = document.get("goods") if isinstance(document, dict) else None
            if count is not None and isinstance(goods, list):
                count(0, len(goods))
            self.report("validating")
            return validate_pricelist(document)
        except ImportFailed as error:
            error.problems = readable(error.problems, locations)
            raise

    def storing(self) -> Callable[[], ImportResult]:
        """How to check and apply the price list, in a transaction (`_apply`). A spreadsheet
        is read in a thread of its own and stored part by part meanwhile (`stream`, on
        PostgreSQL); another list is read and checked whole first, then applied."""
        if not (is_sheet(self.name, self.data) and stores_while_reading()):
            price_list = self.checked()
            return lambda: apply_pricelist(
                supplier=self.supplier,
                price_list=price_list,
                progress=self.report,
                count=self.count,
            )

        def store_sheet() -> ImportResult:
            self._starting()
            with SheetReader(self.data, self.name) as reader:
                return apply_parts(
                    supplier=self.supplier,
                    shop_name=None,
                    parts=reader.parts(),
                    categories=reader.categories,
                    progress=self.report,
                    count=self.count,
                )

        return store_sheet

    def _starting(self) -> None:
        logger.info(
            "importing a price list for %s from %s (%d bytes)",
            self.supplier,
            self.source,
            len(self.data),
        )
        self.report("parsing")


@retry_on_conflict()
@transaction.atomic
def _apply(
    *, store: Callable[[], ImportResult], then: Callable[[ImportResult], None] | None = None
) -> ImportResult:
    """Run `store` (check and apply a price list) and `then` (a job's finish) in one
    transaction, tried again after a deadlock or serialization failure (the import locks its
    offers in the order buyers' checkouts do, so these should be rare)."""
    result = store()
    if then is not None:
        then(result)
    return result


@transaction.atomic
def import_job_create(
    *,
    supplier: User,
    url: str | None = None,
    chunks: Iterable[bytes] | None = None,
    filename: str = "",
    dry_run: bool = False,
) -> ImportJob:
    """Queue an import (or with `dry_run` a preview) of an uploaded file (its `chunks`) or of
    a URL; exactly one of them."""
    if url is not None and chunks is None:
        url = _checked_url(url)
        job = ImportJob.objects.create(supplier=supplier, url=url, source=url, dry_run=dry_run)
    elif chunks is not None and url is None:
        content = read_limited(chunks)
        job = ImportJob.objects.create(
            supplier=supplier,
            content=content,
            filename=filename[:255],
            source=_uploaded_file(supplier, filename),
            dry_run=dry_run,
        )
    else:
        raise ApplicationError(ErrorCode.INVALID, _("Send either a url or a file, not both."))
    run_after_commit(tasks.do_import, job.pk)
    return job


def _uploaded_file(supplier: User, filename: str) -> str:
    """The source of an uploaded list, in its supplier's language like all a job keeps,
    whatever language the upload was made in."""
    with translation.override(_language_of(supplier)):
        return _("uploaded file %(name)s") % {"name": filename or "-"}


def import_job_run(
    *,
    job_id: int,
    task_id: str | None = None,
    data: bytes | None = None,
    progress: Progress | None = None,
    count: Count | None = None,
) -> ImportJob | None:
    """Run an import job that is queued or whose last run died; None when another run has
    it, it is finished, or this run's claim was taken over before it could finish.

    The file is the job's upload or URL, or `data` when the caller holds it (a command).
    While it runs the job shows how many goods were processed (`processed` of `total`)."""
    counter = JobCounter(report=count)

    def work(job: ImportJob, finish: Finish) -> None:
        with _without_cycle_collector():
            _work(job, finish)

    def _work(job: ImportJob, finish: Finish) -> None:
        fetched: Fetched | None = None
        if data is not None:
            content = data
        elif job.content is not None:
            content = bytes(job.content)
        else:
            fetched = _pull(job)
            if fetched is None:
                finish(warnings=[_unchanged()])
                return
            content = fetched.body
        report = progress or (lambda stage: None)

        def done(result: ImportResult) -> None:
            total = result.total
            if fetched is not None and job.scheduled and not job.dry_run:
                # The next pull asks whether the list changed since this one.
                PriceListSource.objects.filter(supplier=job.supplier, url=job.url).update(
                    etag=fetched.etag, last_modified=fetched.last_modified
                )
            # A preview keeps its upload: applying it imports the very file previewed.
            kept = {"content": F("content")} if job.dry_run else {}
            finish(
                **kept,
                warnings=result.warnings,
                created=result.created,
                updated=result.updated,
                withdrawn=result.withdrawn,
                changes=result.changes,
                processed=total,
                total=total,
            )

        upload = _Upload(job.supplier, content, job.source, job.filename, report, counter)
        if job.dry_run:
            price_list = upload.checked()
            report("comparing")
            result = preview_pricelist(
                supplier=job.supplier, price_list=price_list, sample=PREVIEW_SAMPLE, count=counter
            )
            with transaction.atomic():
                done(result)
            return
        # The finish is in the apply's transaction: a run that lost its claim rolls back.
        _apply(store=upload.storing(), then=done)

    if not _run_job(IMPORT, job_id, task_id, work, counter=counter):
        return None
    return ImportJob.objects.defer("content").get(pk=job_id)


@transaction.atomic
def import_job_apply_preview(*, supplier: User, job_id: int) -> ImportJob:
    """Queue the import of what a finished preview of the supplier checked: the same upload
    (handed over to the new job, so a preview is applied once) or the same URL, fetched
    again. 404 for another's job; 409 for a job that is not a finished preview."""
    job = ImportJob.objects.select_for_update().filter(supplier=supplier, pk=job_id).first()
    if job is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Import job not found."))
    if not job.dry_run or job.state != JobState.DONE:
        raise ApplicationError(ErrorCode.CONFLICT, _("Only a finished preview can be applied."))
    if job.url:
        return import_job_create(supplier=supplier, url=job.url)
    if job.content is None:
        raise ApplicationError(
            ErrorCode.CONFLICT,
            _(
                "This preview's file is no longer kept (it was applied already, or it is older "
                "than %(hours)d hours): upload it again."
            )
            % {"hours": settings.PREVIEW_KEEP_HOURS},
        )
    applied = ImportJob.objects.create(
        supplier=supplier, content=job.content, filename=job.filename, source=job.source
    )
    job.content = None
    job.save(update_fields=["content"])
    run_after_commit(tasks.do_import, applied.pk)
    return applied


def previews_forget_old() -> int:
    """Drop the uploads that finished previews keep for being applied, once they are older
    than PREVIEW_KEEP_HOURS; their counts and changes stay. Returns how many."""
    before = timezone.now() - timedelta(hours=settings.PREVIEW_KEEP_HOURS)
    return ImportJob.objects.filter(
        dry_run=True, finished_at__lt=before, content__isnull=False
    ).update(content=None)


def _checked_url(url: str) -> str:
    """The URL as it will be requested (`check_url`), which is what a job or a schedule
    stores: the supplier sees what is fetched, and an unchanged URL compares equal however
    it was typed. Refused when that no longer fits the column (encoding lengthens it)."""
    url = check_url(url)
    limit = PriceListSource._meta.get_field("url").max_length or 0  # ImportJob's is the same
    if len(url) > limit:
        raise FetchError(
            _("The URL is too long: once encoded its length is %(length)d, at most %(limit)d.")
            % {"length": len(url), "limit": limit}
        )
    return url


def _pull(job: ImportJob) -> Fetched | None:
    """The job's URL, fetched; for a scheduled pull only if it changed since the list last
    imported from it (None: unchanged)."""
    source = (
        PriceListSource.objects.filter(supplier=job.supplier, url=job.url).first()
        if job.scheduled
        else None
    )
    if source is None:
        return fetch_if_changed(job.url)
    return fetch_if_changed(job.url, etag=source.etag, last_modified=source.last_modified)


def _unchanged() -> dict[str, Any]:
    warning = _("The price list did not change since the last pull: nothing was imported.")
    return {"field": "url", "warning": warning, "message": f"url: {warning}"}


@transaction.atomic
def source_set(*, supplier: User, url: str, every: str) -> PriceListSource:
    """Pull the supplier's price list from `url` on a schedule (the same URL rules as an
    import's); a new URL is pulled unconditionally the first time."""
    url = _checked_url(url)
    source, created = PriceListSource.objects.select_for_update().get_or_create(
        supplier=supplier, defaults={"url": url, "every": every}
    )
    if not created:
        if source.url != url:
            source.etag = source.last_modified = ""
            source.last_pulled_at = None
        source.url, source.every = url, every
        source.save()
    return source


def source_get(*, supplier: User) -> PriceListSource:
    source = PriceListSource.objects.filter(supplier=supplier).first()
    if source is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("No price list is pulled on a schedule."))
    return source


@transaction.atomic
def source_delete(*, supplier: User) -> None:
    deleted, _rows = PriceListSource.objects.filter(supplier=supplier).delete()
    if not deleted:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("No price list is pulled on a schedule."))


@transaction.atomic
def sources_pull_due(*, now: datetime | None = None) -> list[int]:
    """Start an import job for each scheduled price list whose time has come → the jobs.

    A source whose last pull is still queued or running waits for it; a source is taken
    under a lock, so two beats at once do not pull it twice."""
    now = now or timezone.now()
    busy = ImportJob.objects.filter(
        scheduled=True, state__in=[JobState.QUEUED, JobState.RUNNING]
    ).values("supplier_id")
    due = Q(last_pulled_at__isnull=True)
    for every, seconds in PULL_SECONDS.items():
        due |= Q(every=every, last_pulled_at__lte=now - timedelta(seconds=seconds))
    sources = list(
        PriceListSource.objects.select_for_update(skip_locked=True)
        .filter(due, supplier__is_active=True)
        .exclude(supplier_id__in=busy)
        .order_by("pk")
    )
    jobs = []
    for source in sources:
        job = ImportJob.objects.create(
            supplier_id=source.supplier_id, url=source.url, source=source.url, scheduled=True
        )
        source.last_pulled_at = now
        source.save(update_fields=["last_pulled_at", "updated_at"])
        run_after_commit(tasks.do_import, job.pk)
        jobs.append(job.pk)
    return jobs


def import_recorded(
    *,
    supplier: User,
    data: bytes,
    source: str,
    filename: str = "",
    dry_run: bool = False,
    progress: Progress | None = None,
    count: Count | None = None,
) -> ImportJob:
    """Import (or preview) a price list now, in this process, recorded as a job like an
    upload's, so the supplier's history and the admin show it: the commands' way."""
    job = ImportJob.objects.create(
        supplier=supplier, source=source[:2100], filename=filename[:255], dry_run=dry_run
    )
    import_job_run(job_id=job.pk, data=data, progress=progress, count=count)
    return ImportJob.objects.defer("content").get(pk=job.pk)


def import_job_get(*, user: User, job_id: int) -> ImportJob:
    jobs = ImportJob.objects.all() if user.is_staff else ImportJob.objects.filter(supplier=user)
    job = jobs.defer("content").filter(pk=job_id).first()
    if job is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Import job not found."))
    return job


@transaction.atomic
def shop_state_set(*, supplier: User, accepts_orders: bool | None, name: str | None) -> Shop:
    """The supplier's switch, its shop's name, or both, in one change."""
    shop = None
    if name is not None:
        shop = supplier_rename_shop(supplier=supplier, name=name)
    if accepts_orders is not None:
        shop = supplier_set_accepts_orders(supplier=supplier, accepts_orders=accepts_orders)
    if shop is None:
        raise ApplicationError(ErrorCode.INVALID, _("Send state, name or both."))
    return shop


def shop_of(*, supplier: User) -> Shop:
    shop = Shop.objects.filter(user=supplier).first()
    if shop is None:
        raise ApplicationError(
            ErrorCode.NOT_FOUND, _("You have no shop yet: import a price list first.")
        )
    return shop


def export_stream(*, supplier: User, fmt: str) -> tuple[Shop, Iterator[bytes]]:
    shop = shop_of(supplier=supplier)
    return shop, export_chunks(shop=shop, fmt=fmt)


@transaction.atomic
def export_job_create(*, supplier: User, fmt: str) -> ExportJob:
    shop_of(supplier=supplier)
    job = ExportJob.objects.create(supplier=supplier, format=fmt)
    run_after_commit(tasks.do_export, job.pk)
    return job


def export_job_run(*, job_id: int, task_id: str | None = None) -> ExportJob | None:
    """Run an export job that is queued or whose last run died; None when another run has
    it, it is finished, or this run's claim was taken over before it could finish."""

    def work(job: ExportJob, finish: Finish) -> None:
        shop = shop_of(supplier=job.supplier)
        finish(content=b"".join(export_chunks(shop=shop, fmt=job.format)))

    if not _run_job(EXPORT, job_id, task_id, work):
        return None
    return ExportJob.objects.defer("content").get(pk=job_id)


def export_job_get(*, user: User, job_id: int) -> ExportJob:
    jobs = ExportJob.objects.all() if user.is_staff else ExportJob.objects.filter(supplier=user)
    job = jobs.defer("content").filter(pk=job_id).first()
    if job is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Export job not found."))
    return job


def export_job_file(*, user: User, job_id: int) -> tuple[ExportJob, bytes]:
    job = export_job_get(user=user, job_id=job_id)
    content = (
        ExportJob.objects.values_list("content", flat=True).get(pk=job.pk)
        if job.state == JobState.DONE
        else None
    )
    if content is None:  # (a done export always keeps its file; a failed one drops it)
        raise ApplicationError(ErrorCode.CONFLICT, _("The export is not finished."))
    return job, bytes(content)


@transaction.atomic
def jobs_requeue(*, queued_before: datetime) -> tuple[int, int]:
    """Start again the import and export jobs that were lost: still queued at or before
    `queued_before` (their task was lost, e.g. the broker was down), or running with their
    lease run out (their worker died). Safe while the first task is still on its way or the
    first run still alive: whichever run claims the job first runs it, and only a run that
    still holds its claim can finish it."""
    imports = list(_lost_ids(ImportJob, queued_before))
    exports = list(_lost_ids(ExportJob, queued_before))
    for job_id in imports:
        run_after_commit(tasks.do_import, job_id)
    for job_id in exports:
        run_after_commit(tasks.do_export, job_id)
    if imports or exports:
        logger.warning("starting again lost jobs: imports %s, exports %s", imports, exports)
    return len(imports), len(exports)


def jobs_recover() -> tuple[int, int]:
    """The periodic sweep: jobs queued JOB_LOST_AFTER_SECONDS and jobs whose lease ran out."""
    lost_after = timedelta(seconds=settings.JOB_LOST_AFTER_SECONDS)
    return jobs_requeue(queued_before=timezone.now() - lost_after)


def _lease_seconds() -> int:
    return settings.JOB_LEASE_SECONDS


def _lease_expired() -> Q:
    """Running jobs whose run stopped renewing its lease; times are the database's clock,
    so workers whose clocks disagree still agree on which leases ran out."""
    expired = Q(heartbeat_at__lt=Now() - timedelta(seconds=_lease_seconds()))
    return Q(state=JobState.RUNNING) & (expired | Q(heartbeat_at__isnull=True))


def _lost_ids(model: Model, queued_before: datetime) -> "QuerySet[Any, int]":
    lost = Q(state=JobState.QUEUED, created_at__lte=queued_before) | _lease_expired()
    return model.objects.filter(lost).order_by("pk").values_list("pk", flat=True)


@dataclass
class JobCounter:
    """A run's progress: the run sets it (as a `Count`), its lease thread writes it."""

    processed: int = 0
    total: int | None = None
    report: Count | None = None  # also told, e.g. a command's progress bar

    def __call__(self, processed: int, total: int | None) -> None:
        self.processed, self.total = processed, total
        if self.report is not None:
            self.report(processed, total)


@dataclass(frozen=True)
class _JobKind:
    model: Model
    name: str  # in the log lines: "import job 12 finished (attempt 1)"
    unread: tuple[str, ...]  # fields a run does not need
    failed_unexpectedly: Callable[[], str]


IMPORT = _JobKind(ImportJob, "import", (), lambda: _("The import failed unexpectedly."))
EXPORT = _JobKind(ExportJob, "export", ("content",), lambda: _("The export failed unexpectedly."))

# Records the job done with these fields; raises ClaimLost when the run no longer holds it.
Finish = Callable[..., None]


def _run_job(
    kind: _JobKind,
    job_id: int,
    task_id: str | None,
    work: Callable[[Any, Finish], None],
    *,
    counter: JobCounter | None = None,
) -> bool:
    """Run `work(job, finish)` as the claimed attempt of a job, and record its outcome:
    whether this run finished the job (done or failed).

    The run claims the job (or leaves it: False), renews its lease while the work runs, in
    the language of the job's supplier, who reads its errors and warnings. The work calls
    `finish(**fields)` to record the job done, in the transaction that must commit with
    that record; a run whose claim was taken over meanwhile records nothing (ClaimLost:
    False). A refusal (ApplicationError) fails the job with its problems; any other error
    fails it as unexpected and is raised again.
    """
    attempt = _claim(kind, job_id, task_id)
    if attempt is None:
        return False
    job = kind.model.objects.select_related("supplier").defer(*kind.unread).get(pk=job_id)

    def finish(**fields: Any) -> None:
        if not _finish(kind.model, job_id, attempt, state=JobState.DONE, errors=[], **fields):
            raise ClaimLost

    lease = _lease(kind.model, job_id, attempt, counter)
    with lease, translation.override(_language_of(job.supplier)):
        try:
            work(job, finish)
        except ClaimLost:
            logger.warning(
                "%s job %d: attempt %d was taken over; nothing recorded",
                kind.name,
                job_id,
                attempt,
            )
            return False
        except ApplicationError as error:
            _fail(kind.model, job_id, attempt, errors=problems_of(error))
        except Exception:
            logger.exception("%s job %d failed unexpectedly", kind.name, job_id)
            _fail(kind.model, job_id, attempt, errors=[stated(kind.failed_unexpectedly())])
            raise
    logger.info("%s job %d finished (attempt %d)", kind.name, job_id, attempt)
    return True


@transaction.atomic
def _claim(kind: _JobKind, job_id: int, task_id: str | None) -> int | None:
    """Move a job to running as this run's attempt → its number, or None when it is not
    this run's to take: finished, or running under a live lease.

    A queued job is anyone's. A running job is claimed again when its lease ran out (its
    run died), or by a new delivery of the task that started it: that run's worker died,
    and its transaction died with it. A job claimed MAX_ATTEMPTS times already is failed.
    """
    model = kind.model
    claimable = Q(state=JobState.QUEUED) | _lease_expired()
    if task_id:
        claimable |= Q(state=JobState.RUNNING, task_id=task_id)
    attempts = (
        model.objects.select_for_update()
        .filter(claimable, pk=job_id)
        .values_list("attempts", flat=True)
        .first()
    )
    if attempts is None:
        return None
    jobs = model.objects.filter(pk=job_id)
    if attempts >= MAX_ATTEMPTS:
        supplier_language = jobs.values_list("supplier__language", flat=True).get()
        with translation.override(supplier_language or settings.LANGUAGE_CODE):
            message = ngettext(
                "The job was started %(count)d time and never finished.",
                "The job was started %(count)d times and never finished.",
                attempts,
            ) % {"count": attempts}
        jobs.update(
            state=JobState.FAILED,
            errors=[stated(message)],
            content=None,
            finished_at=timezone.now(),
        )
        logger.error("job %s %d given up after %d attempts", model.__name__, job_id, attempts)
        return None
    jobs.update(
        state=JobState.RUNNING,
        task_id=task_id or "",
        attempts=attempts + 1,
        started_at=timezone.now(),
        heartbeat_at=Now(),
    )
    return attempts + 1


@contextmanager
def _lease(
    model: Model, job_id: int, attempt: int, counter: JobCounter | None = None
) -> Iterator[None]:
    """Renew the job's lease three times per JOB_LEASE_SECONDS while the block runs, and
    write its progress (`counter`) when it moved, at most every PROGRESS_SECONDS.

    From a thread with its own database connection: the run's own connection is busy
    (and, while it applies, inside a transaction whose writes nobody else sees yet).
    """
    stop = threading.Event()
    interval = _lease_seconds() / 3
    tick = min(interval, PROGRESS_SECONDS) if counter is not None else interval

    def renew() -> None:
        written: tuple[int, int | None] = (0, None)
        ticks, per_renewal = 0, max(1, round(interval / tick))
        try:
            while not stop.wait(tick):
                ticks += 1
                shown = (counter.processed, counter.total) if counter else written
                if shown == written and ticks % per_renewal:
                    continue
                fields: dict[str, Any] = {"heartbeat_at": Now()}
                if shown != written:
                    fields.update(processed=shown[0], total=shown[1])
                try:
                    held = model.objects.filter(
                        pk=job_id, state=JobState.RUNNING, attempts=attempt
                    ).update(**fields)
                except DatabaseError:
                    logger.warning("job %d: the lease could not be renewed", job_id, exc_info=True)
                    continue  # a missed renewal; the lease outlasts two more
                if not held:
                    return  # finished, or taken over: nothing left to renew
                written = shown
        finally:
            connection.close()

    thread = threading.Thread(target=renew, name=f"lease-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=tick)


def _finish(
    model: Model, job_id: int, attempt: int, *, state: JobState, errors: list[Any], **fields: Any
) -> bool:
    """Record run `attempt`'s outcome; False (and nothing written) when it no longer holds
    the job. The upload of an import is dropped: it is no longer needed."""
    if model is ImportJob:
        fields.setdefault("content", None)
        fields["warnings"] = storable(fields.get("warnings", []), kind="warning")
        fields["changes"] = storable(fields.get("changes", []))
    elif state != JobState.DONE:
        fields["content"] = None
    updated = model.objects.filter(pk=job_id, state=JobState.RUNNING, attempts=attempt).update(
        state=state, errors=storable(errors), finished_at=timezone.now(), **fields
    )
    return bool(updated)


def _fail(model: Model, job_id: int, attempt: int, *, errors: list[Any]) -> None:
    """Mark the job failed with `errors`; if even that cannot be stored, with a line saying
    so. Were the database away too, the lease runs out and the job is started again."""
    try:
        with transaction.atomic():
            _finish(model, job_id, attempt, state=JobState.FAILED, errors=errors)
        return
    except DatabaseError:
        logger.exception("job %s %d: its errors could not be stored", model.__name__, job_id)
    try:
        with transaction.atomic():
            message = _("The job failed, and its errors could not be stored.")
            _finish(model, job_id, attempt, state=JobState.FAILED, errors=[stated(message)])
    except DatabaseError:
        logger.exception("job %s %d could not be marked failed", model.__name__, job_id)


def _language_of(user: User) -> str:
    return user.language or settings.LANGUAGE_CODE


def storable(problems: list[Any], *, kind: Literal["error", "warning"] = "error") -> list[Any]:
    """`problems` as a job can always store them: at most MAX_PROBLEMS, each text at most
    MAX_TEXT characters, and no character PostgreSQL's jsonb refuses (NUL) nor one UTF-8
    cannot encode (a lone surrogate): those are written out visibly, as `\\x00`. The line
    saying how many more there are is an error or a warning (`kind`), like the others."""
    kept = [_storable_value(problem) for problem in problems[:MAX_PROBLEMS]]
    if len(problems) > MAX_PROBLEMS:
        more = len(problems) - MAX_PROBLEMS
        message = ngettext(
            "%(count)d more problem is not shown.", "%(count)d more problems are not shown.", more
        )
        kept.append(stated(message % {"count": more}, kind=kind))
    return kept


def _storable_value(value: object) -> object:
    if isinstance(value, dict):
        return {_storable_text(str(key)): _storable_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_storable_value(item) for item in value[:MAX_PROBLEMS]]
    if value is None or isinstance(value, bool) or (isinstance(value, float) and isfinite(value)):
        return value
    if isinstance(value, int) and -(2**63) <= value < 2**63:
        return value
    if isinstance(value, str):
        return _storable_text(value)
    try:
        return _storable_text(str(value))
    except ValueError:  # an integer with more digits than str() writes
        return "…"


def _storable_text(text: str) -> str:
    text = text.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"
