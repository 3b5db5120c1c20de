"""Catalog use cases that are not a price list's: a shop's intake switch."""

from django.db import transaction

from procurement.catalog.models import Shop


@transaction.atomic
def shop_set_accepts_orders(*, shop: Shop, accepts_orders: bool) -> Shop:
    """Turn the supplier's own switch of the shop on or off: the one way the supplier (the
    partner API) and staff (the admin) change it. Whether the shop is open for orders also
    depends on its owner's account (see `Shop`)."""
    if shop.accepts_orders != accepts_orders:
        shop.accepts_orders = accepts_orders
        shop.save(update_fields=["accepts_orders", "updated_at"])
    return shop
