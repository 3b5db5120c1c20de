from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from procurement.pricelists.services import jobs_requeue


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
            default=None,
            metavar="MINUTES",
            help="Queued jobs only when queued at least this long ago "
            "(default: JOB_LOST_AFTER_SECONDS, 15 minutes unless set).",
        )

    def handle(self, *args, older_than: int | None, **options):
        lost_after = (
            timedelta(seconds=settings.JOB_LOST_AFTER_SECONDS)
            if older_than is None
            else timedelta(minutes=older_than)
        )
        imports, exports = jobs_requeue(queued_before=timezone.now() - lost_after)
        self.stdout.write(f"{imports} import job(s) and {exports} export job(s) started again.")
