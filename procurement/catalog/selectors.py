"""Catalog reads: what a buyer may see, loaded in a fixed number of queries."""

from collections import defaultdict
from collections.abc import Sequence

from django.db.models import Prefetch, QuerySet, Sum
from django.utils.translation import gettext as _

from procurement.accounts.models import User
from procurement.catalog.models import (
    Category,
    Offer,
    OfferParameter,
    Shop,
    open_for_orders,
)
from procurement.core.errors import ApplicationError, ErrorCode


def shop_list() -> QuerySet[Shop]:
    """Shops that accept orders."""
    return Shop.objects.open_for_orders().order_by("name", "id")


def supplier_shop(*, supplier: User) -> Shop:
    """The supplier's shop; before its first price list, an unsaved one holding the switch
    that import will create the shop with."""
    shop = Shop.objects.filter(user=supplier).first()
    if shop is not None:
        return shop
    accepts_orders = (
        User.objects.filter(pk=supplier.pk).values_list("new_shop_accepts_orders", flat=True).get()
    )
    return Shop(user=supplier, name="", accepts_orders=accepts_orders)


def category_list() -> QuerySet[Category]:
    return Category.objects.order_by("name", "id")


def offer_list() -> QuerySet[Offer]:
    """Offers a buyer can order: in their shop's current price list, from a shop open for orders.

    Product and shop come in the same query, parameters in one more, whatever the page size.
    """
    parameters = OfferParameter.objects.select_related("parameter").order_by("id")
    return (
        Offer.objects.filter(open_for_orders("shop__"), is_withdrawn=False)
        .select_related("product", "shop")
        .prefetch_related(Prefetch("parameters", queryset=parameters))
        .order_by("id")
    )


def offer_rows(*, columns: Sequence[str]) -> QuerySet:
    """`offer_list()` as plain rows of `columns`, for pages of the catalog: no model objects."""
    return (
        Offer.objects.filter(open_for_orders("shop__"), is_withdrawn=False)
        .order_by("id")
        .values(*columns)
    )


def offer_rows_by_id(*, offer_ids: list[int], columns: Sequence[str]) -> list[dict]:
    """The rows of `columns` of these offers, in the order of `offer_ids`, found by key alone
    (a page whose keys a filtered query found): the ones no longer listed are left out."""
    rows = {row["id"]: row for row in offer_rows(columns=columns).filter(pk__in=offer_ids)}
    return [rows[offer_id] for offer_id in offer_ids if offer_id in rows]


def offer_parameter_rows(*, offer_ids: list[int], columns: Sequence[str]) -> dict[int, list[dict]]:
    """offer id → rows of `columns` of its parameters (as `offer_list()` orders them), in one
    query for all the offers."""
    rows = defaultdict(list)
    for row in (
        OfferParameter.objects.filter(offer_id__in=offer_ids)
        .order_by("id")
        .values("offer_id", *columns)
    ):
        rows[row["offer_id"]].append(row)
    return rows


def offer_count() -> int:
    """The number of offers `offer_list()` holds, from the per-shop counts the triggers keep."""
    counts = Shop.objects.open_for_orders().aggregate(total=Sum("visible_offers"))
    return counts["total"] or 0


def offer_get(*, offer_id: int) -> Offer:
    try:
        return offer_list().get(pk=offer_id)
    except Offer.DoesNotExist:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("No such offer.")) from None


def product_offers(*, product_id: int) -> list[Offer]:
    """Every offer of one product a buyer can order (one per shop), cheapest first, with
    their shops and parameters; 404 when there is none."""
    offers = list(
        offer_list()
        .select_related("product__category")
        .filter(product_id=product_id)
        .order_by("price", "id")
    )
    if not offers:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("No such product."))
    return offers
