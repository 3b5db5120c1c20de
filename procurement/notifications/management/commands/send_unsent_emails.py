from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from procurement.notifications.emails import unsent_emails_send


class Command(BaseCommand):
    help = (
        "Send again the emails still pending or failed some time after they were recorded "
        "(a lost task, or retries run out while the SMTP server was down), and those held by "
        "a run that died. The periodic task send_unsent_emails does this on its own; this "
        "command is for an operator who wants it now. Never sends an email twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=60,
            metavar="MINUTES",
            help="Only emails recorded at least this long ago (default 60: past the retries).",
        )

    def handle(self, *args, older_than: int, **options):
        recorded_before = timezone.now() - timedelta(minutes=older_than)
        count = unsent_emails_send(recorded_before=recorded_before)
        self.stdout.write(f"{count} email(s) handed to send_email again.")
