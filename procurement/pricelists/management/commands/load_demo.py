from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from procurement.accounts.models import User, UserType
from procurement.catalog.models import Shop
from procurement.pricelists.models import JobState
from procurement.pricelists.services import import_recorded

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"

DEMO_ACCOUNTS = [
    # email, password, type, staff
    ("admin@example.com", "demo-Admin-2026", UserType.BUYER, True),
    ("buyer@example.com", "demo-Buyer-2026", UserType.BUYER, False),
    ("supplier@example.com", "demo-Supplier-2026", UserType.SHOP, False),
    ("supplier2@example.com", "demo-Supplier2-2026", UserType.SHOP, False),
]

# Each demo supplier's price list, imported only while that supplier has no shop.
DEMO_PRICE_LISTS = [
    ("supplier@example.com", DEMO_DIR / "shop1.yaml"),
    ("supplier2@example.com", DEMO_DIR / "shop2.yaml"),
]


class Command(BaseCommand):
    help = (
        "Add what is missing of the demo data: the demo accounts that do not exist, and the "
        "demo price list of a demo supplier that has no shop yet. Nothing that exists is "
        "changed (no password is reset, no shop's goods are replaced). With --if-empty, only "
        "into a database without any account. For local use only."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing unless the database holds no account at all (what `make run` does).",
        )

    @transaction.atomic
    def handle(self, *args, if_empty: bool = False, **options):
        # A database that already holds accounts is someone's work, or a real one reached
        # through DATABASE_URL: demo accounts with published passwords have no place there.
        if if_empty and User.objects.exists():
            self.stdout.write(
                "The database already holds accounts: nothing loaded, nothing changed "
                "(`make demo` adds what is missing of the demo data)."
            )
            created: set[str] = set()
        else:
            created = self._add_missing()
        existing = set(
            User.objects.filter(email__in=[email for email, *_ in DEMO_ACCOUNTS]).values_list(
                "email", flat=True
            )
        )
        if existing:
            self.stdout.write("Demo accounts (local use only):")
        for email, password, user_type, staff in DEMO_ACCOUNTS:
            if email not in existing:
                continue
            role = "staff" if staff else user_type.label.lower()
            kept = "" if email in created else "  (existed before: its password was left as it is)"
            self.stdout.write(f"  {role:9} {email} / {password}{kept}")

    def _add_missing(self) -> set[str]:
        created = set()
        for email, password, user_type, staff in DEMO_ACCOUNTS:
            if User.objects.filter(email=email).exists():
                continue
            user = User(
                email=email,
                first_name="Demo",
                last_name=str(user_type.label),
                type=user_type,
                is_active=True,
                is_staff=staff,
                is_superuser=staff,
            )
            user.set_password(password)
            user.save()
            created.add(email)
        for email, path in DEMO_PRICE_LISTS:
            supplier = User.objects.get(email=email)
            if Shop.objects.filter(user=supplier).exists():
                self.stdout.write(f"Price list {path.name}: {email} has a shop, left as it is")
                continue
            job = import_recorded(supplier=supplier, data=path.read_bytes(), source=path.name)
            if job.state != JobState.DONE:
                raise CommandError(f"Price list {path.name} was refused: {job.errors}")
            self.stdout.write(
                f"Price list {path.name} → shop {supplier.shop.pk}: {job.created} created"
            )
        return created
