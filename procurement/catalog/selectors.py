"""Catalog reads: what a buyer may see, loaded in a fixed number of queries."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Prefetch, QuerySet, Sum
from django.utils.translation import gettext as _

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


_OFFER_COLUMNS = (
    "id",
    "external_id",
    "model",
    "quantity",
    "price",
    "price_rrc",
    "product_id",
    "product__name",
    "product__category_id",
    "shop_id",
    "shop__name",
)
_CENT = Decimal("0.01")


def offer_rows() -> QuerySet:
    """`offer_list()` as plain rows, for pages of the catalog: no model objects to build."""
    return (
        Offer.objects.filter(open_for_orders("shop__"), is_withdrawn=False)
        .order_by("id")
        .values(*_OFFER_COLUMNS)
    )


def offers_from_rows(rows: list[dict]) -> list[dict]:
    """Rows of `offer_rows()` as offers (the shape of OfferSerializer), parameters in one query."""
    parameters = defaultdict(list)
    names_and_values = (
        OfferParameter.objects.filter(offer_id__in=[row["id"] for row in rows])
        .order_by("id")
        .values_list("offer_id", "parameter__name", "value")
    )
    for offer_id, name, value in names_and_values:
        parameters[offer_id].append({"parameter": name, "value": value})
    return [
        {
            "id": row["id"],
            "external_id": row["external_id"],
            "model": row["model"],
            "product": {
                "id": row["product_id"],
                "name": row["product__name"],
                "category": row["product__category_id"],
            },
            "shop": {"id": row["shop_id"], "name": row["shop__name"]},
            "quantity": row["quantity"],
            "price": str(row["price"].quantize(_CENT)),
            "price_rrc": str(row["price_rrc"].quantize(_CENT)),
            "product_parameters": parameters[row["id"]],
        }
        for row in rows
    ]


def offer_count() -> int:
    """The number of offers `offer_list()` holds, from the per-shop counts the triggers keep."""
    counts = Shop.objects.open_for_orders().aggregate(total=Sum("visible_offers"))
    return counts["total"] or 0


def offer_get(*, offer_id: int) -> Offer:
    try:
        return offer_list().get(pk=offer_id)
    except Offer.DoesNotExist:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("No such offer.")) from None
