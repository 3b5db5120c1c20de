"""Migrate a fresh database and fill it for the fault tests; prints what the test needs as
JSON. Run in its own process with DATABASE_URL set: `python -m tests.support.fault_seed N`."""

import json
import os
import sys


def seed(buyers: int) -> dict:
    from django.core.management import call_command

    from procurement.accounts.tokens import issue_api_token
    from tests.support.factories import (
        ContactFactory,
        OfferFactory,
        ShopFactory,
        SupplierFactory,
        UserFactory,
    )

    call_command("migrate", verbosity=0)
    offers = [
        OfferFactory(shop=shop, quantity=1_000_000).pk
        for shop in [ShopFactory(), ShopFactory()]
        for _ in range(2)
    ]
    accounts = []
    for _ in range(buyers):
        contact = ContactFactory(user=UserFactory())
        token = issue_api_token(user=contact.user)
        accounts.append({"email": contact.user.email, "token": token, "contact": contact.pk})
    supplier = SupplierFactory()  # uploads price lists during the faults
    return {
        "offers": offers,
        "buyers": accounts,
        "supplier": {"email": supplier.email, "token": issue_api_token(user=supplier)},
    }


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    print(json.dumps(seed(int(sys.argv[1]))))
