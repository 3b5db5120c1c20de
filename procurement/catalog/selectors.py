"""Catalog reads: what a buyer may see, loaded in a fixed number of queries."""

from django.db.models import Prefetch, QuerySet, Sum
from django.utils.translation import gettext as _

from procurement.catalog.models import Category, ProductInfo, ProductParameter, Shop
from procurement.core.errors import ApplicationError, ErrorCode


def shop_list() -> QuerySet[Shop]:
    """Shops that accept orders."""
    return Shop.objects.filter(state=True).order_by("name", "id")


def category_list() -> QuerySet[Category]:
    return Category.objects.order_by("name", "id")


def offer_list() -> QuerySet[ProductInfo]:
    """Offers a buyer can order: in their shop's current price list, from a shop that is open.

    Product and shop come in the same query, parameters in one more, whatever the page size.
    """
    parameters = ProductParameter.objects.select_related("parameter").order_by("id")
    return (
        ProductInfo.objects.filter(is_withdrawn=False, shop__state=True)
        .select_related("product", "shop")
        .prefetch_related(Prefetch("product_parameters", queryset=parameters))
        .order_by("id")
    )


def offer_count() -> int:
    """The number of offers `offer_list()` holds, from the per-shop counts the triggers keep."""
    return Shop.objects.filter(state=True).aggregate(total=Sum("visible_offers"))["total"] or 0


def offer_get(*, offer_id: int) -> ProductInfo:
    try:
        return offer_list().get(pk=offer_id)
    except ProductInfo.DoesNotExist:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("No such offer.")) from None
