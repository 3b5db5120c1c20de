from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from procurement.accounts.models import User, UserType
from procurement.pricelists.services import import_pricelist

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"

DEMO_ACCOUNTS = [
    # email, password, type, staff
    ("admin@example.com", "demo-Admin-2026", UserType.BUYER, True),
    ("buyer@example.com", "demo-Buyer-2026", UserType.BUYER, False),
    ("supplier@example.com", "demo-Supplier-2026", UserType.SHOP, False),
    ("supplier2@example.com", "demo-Supplier2-2026", UserType.SHOP, False),
]

# Each supplier's demo price list; re-importing an unchanged file changes nothing.
DEMO_PRICE_LISTS = [
    ("supplier@example.com", DEMO_DIR / "shop1.yaml"),
    ("supplier2@example.com", DEMO_DIR / "shop2.yaml"),
]


class Command(BaseCommand):
    help = (
        "Create the demo accounts and import the demo shops' price lists (idempotent), "
        "then print the credentials. For local use only."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        for email, password, user_type, staff in DEMO_ACCOUNTS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User(
                    email=email, first_name="Demo", last_name=str(user_type.label), type=user_type
                )
            user.is_active = True
            user.is_staff = user.is_superuser = staff
            user.set_password(password)
            user.save()
        for email, path in DEMO_PRICE_LISTS:
            result = import_pricelist(
                supplier=User.objects.get(email=email), data=path.read_bytes(), source=path.name
            )
            self.stdout.write(
                f"Price list {path.name} → shop {result.shop_id}: {result.created} created, "
                f"{result.updated} updated, {result.withdrawn} withdrawn"
            )
        self.stdout.write("Demo accounts (local use only):")
        for email, password, user_type, staff in DEMO_ACCOUNTS:
            role = "staff" if staff else user_type.label.lower()
            self.stdout.write(f"  {role:9} {email} / {password}")
