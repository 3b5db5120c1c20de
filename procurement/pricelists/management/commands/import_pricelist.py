from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from procurement.accounts.models import User
from procurement.core.errors import ApplicationError
from procurement.pricelists.errors import problems_of
from procurement.pricelists.fetch import fetch_url
from procurement.pricelists.parse import read_limited
from procurement.pricelists.services import import_pricelist

CHUNK_BYTES = 1024 * 1024
STAGES = {
    "reading": 0,
    "parsing": 10,
    "validating": 50,
    "categories": 60,
    "products": 65,
    "offers": 75,
    "done": 100,
}


class Command(BaseCommand):
    help = "Import a YAML or JSON price list (a file path or an http(s) URL) for a supplier's shop."

    def add_arguments(self, parser):
        parser.add_argument("source", help="A file path or an http(s) URL.")
        parser.add_argument(
            "--supplier",
            "--owner",
            dest="supplier",
            required=True,
            help="Email of the supplier account (--owner is the older name).",
        )

    def handle(self, *args, source: str, supplier: str, **options):
        email = User.objects.normalize_email(supplier).lower()
        user = User.objects.filter(email=email).first()
        if user is None or not user.is_supplier:
            raise CommandError(f"{supplier} is not a supplier account.")
        self._progress("reading")
        try:
            data = self._read(source)
            result = import_pricelist(
                supplier=user, data=data, source=source, filename=source, progress=self._progress
            )
        except ApplicationError as error:
            for problem in problems_of(error):
                self.stderr.write(f"  {problem['message']}")
            raise CommandError(error.message) from None
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(f"warning: {warning['message']}"))
        self.stdout.write(
            self.style.SUCCESS(
                f"Shop {result.shop_id}: {result.created} created, {result.updated} updated, "
                f"{result.withdrawn} withdrawn."
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

    def _progress(self, stage: str) -> None:
        self.stdout.write(f"[{STAGES.get(stage, 0):3d}%] {stage}")
