"""Catalog use cases that are not a price list's: a shop's intake switch."""

from django.db import transaction

from procurement.catalog.models import Shop


@transaction.atomic
def shop_set_state(*, shop: Shop, state: bool) -> Shop:
    """Switch the shop's intake on (`state=True`) or off: the one way the supplier (the
    partner API) and staff (the admin) change it. Whether the shop accepts orders also
    depends on its owner's account (`accepts_orders`)."""
    if shop.state != state:
        shop.state = state
        shop.save(update_fields=["state", "updated_at"])
    return shop
