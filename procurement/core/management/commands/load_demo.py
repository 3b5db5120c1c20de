from django.core.management.base import BaseCommand
from django.db import transaction

from procurement.accounts.models import User, UserType

DEMO_ACCOUNTS = [
    # email, password, type, staff
    ("admin@example.com", "demo-Admin-2026", UserType.BUYER, True),
    ("buyer@example.com", "demo-Buyer-2026", UserType.BUYER, False),
    ("supplier@example.com", "demo-Supplier-2026", UserType.SHOP, False),
]


class Command(BaseCommand):
    help = "Create the demo accounts (idempotent) and print their credentials. For local use only."

    @transaction.atomic
    def handle(self, *args, **options):
        for email, password, user_type, staff in DEMO_ACCOUNTS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User(
                    email=email, first_name="Demo", last_name=user_type.label, type=user_type
                )
            user.is_active = True
            user.is_staff = user.is_superuser = staff
            user.set_password(password)
            user.save()
        self.stdout.write("Demo accounts (local use only):")
        for email, password, user_type, staff in DEMO_ACCOUNTS:
            role = "staff" if staff else user_type.label.lower()
            self.stdout.write(f"  {role:9} {email} / {password}")
