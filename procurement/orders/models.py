from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from procurement.catalog.models import MONEY, Offer, Shop


class OrderState(models.TextChoices):
    BASKET = "basket", _("basket")
    NEW = "new", _("new")
    CONFIRMED = "confirmed", _("confirmed")
    ASSEMBLED = "assembled", _("assembled")
    SENT = "sent", pgettext_lazy("order state", "sent")
    DELIVERED = "delivered", _("delivered")
    CANCELED = "canceled", _("canceled")


PLACED_STATE_CHOICES = [choice for choice in OrderState.choices if choice[0] != OrderState.BASKET]

# The only moves an order can make; `basket` → `new` happens only by placing the order.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    OrderState.BASKET: frozenset({OrderState.NEW}),
    OrderState.NEW: frozenset({OrderState.CONFIRMED, OrderState.CANCELED}),
    OrderState.CONFIRMED: frozenset({OrderState.ASSEMBLED, OrderState.CANCELED}),
    OrderState.ASSEMBLED: frozenset({OrderState.SENT, OrderState.CANCELED}),
    OrderState.SENT: frozenset({OrderState.DELIVERED}),
    OrderState.DELIVERED: frozenset(),
    OrderState.CANCELED: frozenset(),
}


# How far a placed order or part has gone; an order is as far as its least advanced part.
PROGRESS: dict[str, int] = {
    OrderState.NEW: 0,
    OrderState.CONFIRMED: 1,
    OrderState.ASSEMBLED: 2,
    OrderState.SENT: 3,
    OrderState.DELIVERED: 4,
}

# A supplier may lower its lines (a short delivery) only until its part is assembled.
SHORTABLE_STATES = frozenset({OrderState.NEW, OrderState.CONFIRMED})


def state_of_parts(states: list[str]) -> str:
    """The order's state from its parts' states: the least advanced of those not canceled,
    `canceled` when every part is."""
    going = [state for state in states if state != OrderState.CANCELED]
    if not going:
        return OrderState.CANCELED
    return min(going, key=PROGRESS.__getitem__)


class BasketManager(models.Manager):
    """Baskets: orders not placed yet (state `basket`), at most one per buyer."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(state=OrderState.BASKET)


class PlacedOrderManager(models.Manager):
    """Placed orders: every state but `basket`."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().exclude(state=OrderState.BASKET)


class Order(models.Model):
    """A buyer's basket (state `basket`), which becomes an order when it is placed.

    The two are one table, so that placing keeps the lines where they are; callers ask for
    the one they mean: `Order.baskets` or `Order.placed` (`Order.objects` holds both).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("buyer"),
        on_delete=models.PROTECT,
        related_name="orders",
    )
    state = models.CharField(
        _("state"), max_length=15, choices=OrderState.choices, default=OrderState.BASKET
    )
    placed_at = models.DateTimeField(
        _("placed"),
        auto_now_add=True,
        help_text=_("When the order was placed; for a basket, when it was created."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    contact = models.ForeignKey(
        "accounts.Contact",
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    delivery_address = models.JSONField(
        _("delivery address"),
        default=dict,
        blank=True,
        help_text=_("A copy of the contact taken when the order was placed."),
    )
    total_sum = models.DecimalField(_("total"), default=0, **MONEY)

    # Not a column: basket_detail attaches the total of the lines at their offers' prices.
    basket_total: Decimal

    objects = models.Manager()
    baskets = BasketManager()
    placed = PlacedOrderManager()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(state=OrderState.BASKET),
                name="one_basket_per_user",
            )
        ]
        indexes = [
            models.Index(
                fields=["user", "state", "-placed_at"], name="order_user_state_placed_idx"
            ),
            models.Index(fields=["state", "-placed_at"], name="order_state_placed_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} ({self.get_state_display()})"


class OrderItem(models.Model):
    """A line; price, names and shop are copied from the offer when the order is placed."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="ordered_items"
    )
    offer = models.ForeignKey(
        Offer, verbose_name=_("offer"), on_delete=models.PROTECT, related_name="order_items"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    price = models.DecimalField(_("price"), null=True, blank=True, **MONEY)
    product_name = models.CharField(_("product"), max_length=200, blank=True)
    model = models.CharField(_("model"), max_length=100, blank=True)
    shop_id_snapshot = models.BigIntegerField(_("shop id"), null=True, blank=True)
    shop_name = models.CharField(_("shop"), max_length=100, blank=True)

    # Not a column: basket_detail attaches the line's sum at its offer's current price.
    line_sum: Decimal
    # Not a column: basket_detail attaches what would stop the line from being ordered now.
    line_problem: str | None

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "offer"], name="one_line_per_offer"),
            # A basket line has no price yet and at least one unit; a placed line may be
            # lowered to 0 by a short delivery.
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1) | models.Q(quantity=0, price__isnull=False),
                name="line_quantity_positive",
            ),
        ]
        indexes = [models.Index(fields=["shop_id_snapshot", "order"])]

    def __str__(self) -> str:
        return f"{self.product_name or self.offer_id} × {self.quantity}"

    @property
    def placed_sum(self) -> Decimal:
        """The line's sum at the price kept when its order was placed."""
        if self.price is None:
            raise ValueError(f"order line {self.pk} is in a basket: it has no price yet")
        return self.price * self.quantity


class OrderStateChange(models.Model):
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="history"
    )
    from_state = models.CharField(
        pgettext_lazy("state change", "from"), max_length=15, choices=OrderState.choices
    )
    to_state = models.CharField(
        pgettext_lazy("state change", "to"), max_length=15, choices=OrderState.choices
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("state change")
        verbose_name_plural = _("state changes")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"


class OrderPart(models.Model):
    """The lines of one shop in a placed order, which that supplier fulfils on its own."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="parts"
    )
    # PROTECT: a placed order's parts outlive any change of its suppliers' catalogs.
    shop = models.ForeignKey(
        Shop, verbose_name=_("shop"), on_delete=models.PROTECT, related_name="order_parts"
    )
    shop_name = models.CharField(
        _("shop name"),
        max_length=100,
        blank=True,
        help_text=_("The shop's name when the order was placed, as its lines keep it."),
    )
    state = models.CharField(
        _("state"), max_length=15, choices=PLACED_STATE_CHOICES, default=OrderState.NEW
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("supplier part")
        verbose_name_plural = _("supplier parts")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "shop"], name="one_part_per_shop"),
        ]
        indexes = [models.Index(fields=["shop", "state"], name="part_shop_state_idx")]

    def __str__(self) -> str:
        return f"#{self.order_id}/{self.shop_id} ({self.get_state_display()})"


class OrderPartStateChange(models.Model):
    part = models.ForeignKey(
        OrderPart, verbose_name=_("supplier part"), on_delete=models.CASCADE, related_name="history"
    )
    from_state = models.CharField(
        pgettext_lazy("state change", "from"), max_length=15, choices=OrderState.choices
    )
    to_state = models.CharField(
        pgettext_lazy("state change", "to"), max_length=15, choices=OrderState.choices
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # A default, not auto_now_add: the migration that made parts copies the orders' times.
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("part state change")
        verbose_name_plural = _("part state changes")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"


class ShortDelivery(models.Model):
    """A line lowered by its supplier before its part was assembled, and why."""

    part = models.ForeignKey(
        OrderPart,
        verbose_name=_("supplier part"),
        on_delete=models.CASCADE,
        related_name="short_deliveries",
    )
    item = models.ForeignKey(
        OrderItem, verbose_name=_("order line"), on_delete=models.CASCADE, related_name="+"
    )
    quantity_before = models.PositiveIntegerField(_("quantity before"))
    quantity_after = models.PositiveIntegerField(_("quantity after"))
    reason = models.CharField(_("reason"), max_length=500)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("short delivery")
        verbose_name_plural = _("short deliveries")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.quantity_before} → {self.quantity_after}"
