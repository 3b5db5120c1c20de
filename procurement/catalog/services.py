"""Catalog use cases that are not a price list's: a shop's intake switch and its name."""

from django.db import transaction
from django.utils.translation import gettext as _

from procurement.accounts.models import User
from procurement.catalog.models import Shop
from procurement.core.errors import ApplicationError, ErrorCode
from procurement.core.text import visible


@transaction.atomic
def shop_set_accepts_orders(*, shop: Shop, accepts_orders: bool) -> Shop:
    """Turn the supplier's own switch of the shop on or off: the one way the supplier (the
    partner API) and staff (the admin) change it. Whether the shop is open for orders also
    depends on its owner's account (see `Shop`)."""
    if shop.accepts_orders != accepts_orders:
        shop.accepts_orders = accepts_orders
        shop.save(update_fields=["accepts_orders", "updated_at"])
    return shop


@transaction.atomic
def supplier_set_accepts_orders(*, supplier: User, accepts_orders: bool) -> Shop:
    """The supplier's own switch, also before its first price list: with no shop yet the
    setting is kept on the account and the first import creates the shop with it (see
    `procurement.pricelists.apply`). Returns the shop, unsaved when there is none yet.

    The account's row is locked first, as the first import locks it before creating the
    shop: a switch set while that import runs either reaches the new shop or waits for it.
    """
    User.objects.select_for_update().filter(pk=supplier.pk).values_list("pk").first()
    shop = Shop.objects.select_for_update(no_key=True).filter(user=supplier).first()
    if shop is not None:
        return shop_set_accepts_orders(shop=shop, accepts_orders=accepts_orders)
    User.objects.filter(pk=supplier.pk).update(new_shop_accepts_orders=accepts_orders)
    return Shop(user=supplier, name="", accepts_orders=accepts_orders)


@transaction.atomic
def supplier_rename_shop(*, supplier: User, name: str) -> Shop:
    """The one way a shop's name changes after its first price list named it: price lists
    do not rename it (see `procurement.pricelists.apply`)."""
    if not visible(name):  # only a zero-width space, say: a name nobody can read or find
        raise ApplicationError(ErrorCode.INVALID, _("The name must show something."))
    shop = Shop.objects.select_for_update(no_key=True).filter(user=supplier).first()
    if shop is None:
        raise ApplicationError(
            ErrorCode.NOT_FOUND, _("You have no shop yet: import a price list first.")
        )
    if shop.name != name:
        shop.name = name
        shop.save(update_fields=["name", "updated_at"])
    return shop
