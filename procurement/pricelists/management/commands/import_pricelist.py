from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from tqdm import tqdm

from procurement.accounts.models import User
from procurement.core.errors import ApplicationError
from procurement.pricelists.errors import problems_of
from procurement.pricelists.fetch import fetch_url
from procurement.pricelists.models import JobState
from procurement.pricelists.parse import read_limited
from procurement.pricelists.services import import_recorded

CHUNK_BYTES = 1024 * 1024


class _Stream:
    """A command's output wrapper as the plain stream a progress bar writes to: the bar
    redraws its line with `\\r`, so no line ending may be added."""

    def __init__(self, wrapper: OutputWrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")

    def flush(self) -> None:
        self.wrapper.flush()


class Command(BaseCommand):
    help = (
        "Import (or with --dry-run preview) a price list, YAML, JSON, CSV or XLSX (a file path "
        "or an http(s) URL), for a supplier's shop; recorded as an import job like an upload."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="A file path or an http(s) URL.")
        parser.add_argument(
            "--supplier",
            "--owner",
            dest="supplier",
            required=True,
            help="Email of the supplier account (--owner is the older name).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the list and show what would change; write nothing to the catalog.",
        )

    def handle(self, *args, source: str, supplier: str, dry_run: bool = False, **options):
        email = User.objects.normalize_email(supplier)
        user = User.objects.filter(email=email).first()
        if user is None or not user.is_supplier:
            raise CommandError(f"{supplier} is not a supplier account.")
        bar = tqdm(
            unit=" goods",
            desc="reading",
            file=_Stream(self.stderr),
            disable=options.get("verbosity", 1) == 0,
        )
        try:
            try:
                data = self._read(source)
            except ApplicationError as error:
                for problem in problems_of(error):
                    self.stderr.write(f"  {problem['message']}")
                raise CommandError(error.message) from None

            def count(processed: int, total: int | None) -> None:
                bar.total = total
                bar.n = processed
                bar.refresh()

            job = import_recorded(
                supplier=user,
                data=data,
                source=source,
                filename=source,
                dry_run=dry_run,
                progress=bar.set_description,
                count=count,
            )
        finally:
            bar.close()
        if job.state != JobState.DONE:
            for problem in job.errors:
                self.stderr.write(f"  {problem.get('message', problem.get('error'))}")
            raise CommandError(f"Import job {job.pk} failed; its problems are listed above.")
        for warning in job.warnings:
            self.stdout.write(self.style.WARNING(f"warning: {warning['message']}"))
        if dry_run:
            for line in job.change_lines():
                self.stdout.write(f"  {line}")
            self.stdout.write(
                self.style.SUCCESS(
                    f"Preview (job {job.pk}), nothing written: {job.created} would be created, "
                    f"{job.updated} updated, {job.withdrawn} withdrawn."
                )
            )
            return
        shop = user.shop.pk
        self.stdout.write(
            self.style.SUCCESS(
                f"Shop {shop} (job {job.pk}): {job.created} created, {job.updated} updated, "
                f"{job.withdrawn} withdrawn."
            )
        )

    def _read(self, source: str) -> bytes:
        if source.startswith(("http://", "https://")):
            return fetch_url(source)
        path = Path(source)
        if not path.is_file():
            raise CommandError(f"No such file: {source}")
        with path.open("rb") as stream:
            return read_limited(iter(lambda: stream.read(CHUNK_BYTES), b""))
