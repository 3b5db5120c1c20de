from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from procurement.pricelists.services import QUEUED_TOO_LONG, jobs_requeue


class Command(BaseCommand):
    help = (
        "Start again the import and export jobs still queued some time after they were "
        "created (their task was lost, e.g. the broker was down) and those whose lease ran "
        "out (their worker died). The recover-jobs beat task does the same; safe to run "
        "from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=int(QUEUED_TOO_LONG.total_seconds() // 60),
            metavar="MINUTES",
            help="Queued jobs only when queued at least this long ago (default 15).",
        )

    def handle(self, *args, older_than: int, **options):
        imports, exports = jobs_requeue(
            queued_before=timezone.now() - timedelta(minutes=older_than)
        )
        self.stdout.write(f"{imports} import job(s) and {exports} export job(s) started again.")
