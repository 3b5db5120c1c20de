from decimal import Decimal
from typing import TypedDict

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MoneyColumn(TypedDict):
    max_digits: int
    decimal_places: int


# Every money column: an offer's prices, an order's total, a line's price.
MONEY: MoneyColumn = {"max_digits": 12, "decimal_places": 2}
# The largest amount a money column holds: an offer's price, and an order's total.
MAX_MONEY = Decimal(10) ** (MONEY["max_digits"] - MONEY["decimal_places"]) - Decimal("0.01")


def open_for_orders(prefix: str = "") -> models.Q:
    """The one rule for "this shop takes orders now": see `Shop`.

    `prefix` is the path from the model queried to the shop: `"shop__"` from an offer,
    `"offer__shop__"` from an order line.
    """
    return models.Q(**{f"{prefix}accepts_orders": True, f"{prefix}user__is_active": True})


def open_for_orders_value(prefix: str = "") -> models.ExpressionWrapper:
    """`open_for_orders` as a column to annotate, for code that checks loaded rows."""
    return models.ExpressionWrapper(open_for_orders(prefix), output_field=models.BooleanField())


class ShopOpenForOrders(TypedDict):
    """The column rows carry once annotated `shop_open_for_orders=open_for_orders_value()`."""

    shop_open_for_orders: bool


class ShopQuerySet(models.QuerySet):
    def open_for_orders(self) -> "ShopQuerySet":
        return self.filter(open_for_orders())


class Shop(models.Model):
    """A supplier's shop.

    Two names, two meanings: `accepts_orders` is the supplier's own switch, which only the
    supplier (or staff) turns; a shop is *open for orders* (`open_for_orders()`,
    `Shop.objects.open_for_orders()`) while that switch is on and the account that owns the
    shop is active. Only the rule decides what buyers see and may order.

    Deactivating the account (unticking "active" in the admin) closes the shop without
    touching its switch, so the shop opens again, as its supplier left it, when the account
    is activated again. A shop without an owner is never open: no supplier would get the
    invoice of its lines or answer for the goods; staff give it an owner in the admin first.
    """

    name = models.CharField(_("name"), max_length=100)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="shop",
        null=True,
        blank=True,
    )
    accepts_orders = models.BooleanField(
        _("accepts orders"),
        default=True,
        help_text=_(
            "The supplier's own switch. The shop is open for orders while it is on and the "
            "owner's account is active."
        ),
    )
    visible_offers = models.BigIntegerField(
        _("offers in the current price list"),
        default=0,
        editable=False,
        help_text=_("Kept by database triggers on offers; the catalog's count reads it."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ShopQuerySet.as_manager()

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["accepts_orders", "name"], name="shop_accepts_orders_name_idx")
        ]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A category; its id is the one the price lists use, shared by every shop."""

    id = models.PositiveBigIntegerField(primary_key=True)
    name = models.CharField(_("name"), max_length=80)
    shops = models.ManyToManyField(
        Shop, verbose_name=_("shops"), related_name="categories", blank=True
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """A product as buyers know it (name + category); each shop sells it as an Offer."""

    name = models.CharField(_("name"), max_length=200)
    # No index of its own: the unique (category, name) index serves lookups by category.
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="products",
        db_index=False,
    )

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "name"], name="product_unique_per_category")
        ]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name


class Offer(models.Model):
    """A shop's offer of a product: the line of its price list with the id the shop gave it.

    The API calls it `product_info`. Its rows are written only by `procurement.catalog.offers`,
    whose column lists come from these fields, in this order (the order the API shows them).
    """

    external_id = models.PositiveBigIntegerField(_("id in the price list"))
    model = models.CharField(_("model"), max_length=100, blank=True)
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="offers"
    )
    # No index of its own: the unique (shop, external_id) index serves lookups by shop.
    shop = models.ForeignKey(
        Shop,
        verbose_name=_("shop"),
        on_delete=models.PROTECT,
        related_name="offers",
        db_index=False,
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    price = models.DecimalField(_("price"), **MONEY)
    price_rrc = models.DecimalField(_("recommended retail price"), **MONEY)
    is_withdrawn = models.BooleanField(
        _("withdrawn"), default=False, help_text=_("Missing from the shop's current price list.")
    )
    search_text = models.TextField(_("search text"), blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "external_id"], name="offer_external_id_unique_per_shop"
            ),
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="offer_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(price_rrc__gte=0), name="offer_price_rrc_not_negative"
            ),
        ]
        # The catalog lists visible offers only, so its indexes leave withdrawn ones out.
        # The trigram index for search is PostgreSQL-only: see migration 0002. `quantity` is
        # left unindexed on purpose, so that taking stock stays a cheap (HOT) update. Every
        # index is written by every new offer: none repeats the leading columns of another
        # (the product's own index serves lookups of all offers of a product).
        indexes = [
            models.Index(
                fields=["shop", "id"],
                condition=models.Q(is_withdrawn=False),
                name="offer_visible_shop_idx",
            ),
            # Category filter: products of the category → their visible offers, index-only.
            models.Index(
                fields=["product", "shop"],
                condition=models.Q(is_withdrawn=False),
                name="offer_visible_product_idx",
            ),
            models.Index(
                fields=["price", "id"],
                condition=models.Q(is_withdrawn=False),
                name="offer_visible_price_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} ({self.shop.name})"


class Parameter(models.Model):
    """The name of a characteristic ("Цвет", "Диагональ (дюйм)")."""

    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("parameter")
        verbose_name_plural = _("parameters")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OfferParameter(models.Model):
    """The value an offer gives one parameter (the API's `product_parameters`)."""

    # No index of its own: the unique (offer, parameter) index serves lookups by offer.
    offer = models.ForeignKey(
        Offer,
        verbose_name=_("offer"),
        on_delete=models.CASCADE,
        related_name="parameters",
        db_index=False,
    )
    parameter = models.ForeignKey(
        Parameter, verbose_name=_("parameter"), on_delete=models.PROTECT, related_name="+"
    )
    value = models.CharField(_("value"), max_length=255)

    class Meta:
        verbose_name = _("offer parameter")
        verbose_name_plural = _("offer parameters")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "parameter"], name="offer_parameter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.parameter.name}: {self.value}"
