from django.core.management.base import BaseCommand, CommandError

from procurement.catalog.models import Shop
from procurement.pricelists.export import export_chunks
from procurement.pricelists.models import ExportFormat


class Command(BaseCommand):
    help = "Write a shop's current price list (YAML, JSON, CSV or XLSX) to stdout or a file."

    def add_arguments(self, parser):
        parser.add_argument("--shop", type=int, required=True, help="The shop's id.")
        parser.add_argument(
            "--format", dest="fmt", choices=ExportFormat.values, default=ExportFormat.YAML
        )
        parser.add_argument("--output", help="A file to write instead of stdout.")

    def handle(self, *args, shop: int, fmt: str, output: str | None, **options):
        found = Shop.objects.filter(pk=shop).first()
        if found is None:
            raise CommandError(f"No shop with id {shop}.")
        if fmt == ExportFormat.XLSX and not output:
            raise CommandError("XLSX is a binary file: give --output FILE.")
        chunks = export_chunks(shop=found, fmt=fmt)
        if output:
            with open(output, "wb") as stream:
                for chunk in chunks:
                    stream.write(chunk)
            return
        for chunk in chunks:
            self.stdout.write(chunk.decode("utf-8"), ending="")
