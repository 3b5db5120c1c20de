from collections.abc import Callable
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.formats import localize
from django.utils.functional import Promise, lazy
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from procurement.catalog.models import Shop
from procurement.core.errors import ApplicationError
from procurement.orders.models import (
    ALLOWED_TRANSITIONS,
    PLACED_STATE_CHOICES,
    Order,
    OrderItem,
    OrderPart,
    OrderPartStateChange,
    OrderState,
    OrderStateChange,
    ShortDelivery,
)
from procurement.orders.services import order_part_set_state, order_set_state, state_label


class ShopFilter(admin.SimpleListFilter):
    title = _("shop")
    parameter_name = "shop"

    def lookups(self, request, model_admin):
        return Shop.objects.order_by("name").values_list("id", "name")

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        lines = OrderItem.objects.filter(order=OuterRef("pk"), shop_id_snapshot=self.value())
        return queryset.filter(Exists(lines))


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "product_name",
        "model",
        "shop_name",
        "price",
        "quantity",
        "line_sum",
        "offer",
    )

    @admin.display(description=_("sum"))
    def line_sum(self, item: OrderItem) -> Decimal | None:
        return item.placed_sum if item.price is not None else None

    def has_add_permission(self, request, obj=None):
        return False


class OrderStateChangeInline(admin.TabularInline):
    model = OrderStateChange
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "from_state", "to_state", "changed_by")

    def has_add_permission(self, request, obj=None):
        return False


def _part_history(part: OrderPart) -> str:
    return format_html_join(
        ", ",
        "{} → {} ({}, {})",
        (
            (
                OrderState(change.from_state).label,
                OrderState(change.to_state).label,
                localize(change.at),
                change.changed_by or "—",
            )
            for change in part.history.all()
        ),
    )


def _parts_overview(order: Order) -> str:
    rows = format_html_join(
        "",
        '<tr><td><a href="{}">#{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>',
        (
            (
                reverse("admin:orders_orderpart_change", args=[part.pk]),
                part.pk,
                part.shop_name,
                part.get_state_display(),
                _part_history(part),
            )
            for part in order.parts.prefetch_related("history__changed_by")
        ),
    )
    return format_html(
        "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
        gettext("part"),
        gettext("shop"),
        gettext("state"),
        gettext("history"),
        rows,
    )


def _move_description(label: str | Promise) -> str:
    return gettext("Move selected orders to “%(state)s”") % {"state": label}


def _move_action(state: str, label: str | Promise) -> Callable[..., None]:
    def action(modeladmin: "OrderAdmin", request: HttpRequest, queryset: QuerySet[Order]) -> None:
        modeladmin._move(request, list(queryset.values_list("pk", flat=True)), state)

    action.__name__ = f"move_to_{state}"
    # Written when the page is shown, in its language: the actions are made at import.
    return admin.action(description=lazy(_move_description, str)(label))(action)


def _move_parts_description(label: str | Promise) -> str:
    return gettext("Move selected parts to “%(state)s”") % {"state": label}


def _move_parts_action(state: str, label: str | Promise) -> Callable[..., None]:
    def action(
        modeladmin: "OrderPartAdmin", request: HttpRequest, queryset: QuerySet[OrderPart]
    ) -> None:
        modeladmin._move(request, list(queryset.values_list("order_id", "pk")), state)

    action.__name__ = f"move_to_{state}"
    return admin.action(description=lazy(_move_parts_description, str)(label))(action)


class _NewStateForm(forms.ModelForm):
    """A state to move to, which the admin hands to a service; nothing is written directly."""

    new_state = forms.ChoiceField(
        label=_("Change state to"),
        choices=[("", "—"), *PLACED_STATE_CHOICES],
        required=False,
        help_text=_("The change is kept in the history and the buyer gets an email."),
    )


class OrderAdminForm(_NewStateForm):
    """The state is changed only through `order_set_state`, never written directly."""

    class Meta:
        model = Order
        fields: list[str] = []

    def clean_new_state(self):
        # The whole order moves when at least one of its parts can make the move.
        new_state = self.cleaned_data["new_state"]
        states = self.instance.parts.values_list("state", flat=True)
        if new_state and not any(new_state in ALLOWED_TRANSITIONS[state] for state in states):
            raise forms.ValidationError(
                _("An order in state %(from)s cannot become %(to)s.")
                % {"from": state_label(self.instance.state), "to": state_label(new_state)}
            )
        return new_state


class OrderPartAdminForm(_NewStateForm):
    """The part's state is changed only through `order_part_set_state`."""

    class Meta:
        model = OrderPart
        fields: list[str] = []

    def clean_new_state(self):
        new_state = self.cleaned_data["new_state"]
        if new_state and new_state not in ALLOWED_TRANSITIONS[self.instance.state]:
            raise forms.ValidationError(
                _("The part of %(shop)s in state %(from)s cannot become %(to)s.")
                % {
                    "shop": self.instance.shop_name,
                    "from": state_label(self.instance.state),
                    "to": state_label(new_state),
                }
            )
        return new_state


class _PlacedOrderAdmin(admin.ModelAdmin):
    """Orders and their parts come from checkouts and go only through the services' moves:
    nobody adds or deletes them here, and a number searched for is an order's number."""

    order_number = "pk"  # the lookup of the order's number

    def get_search_results(self, request, queryset, search_term):
        # A number is an order number, not a fragment of every email or name that holds it.
        if search_term.strip().isdigit():
            number = int(search_term.strip()[:18])
            return queryset.filter(**{self.order_number: number}), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(_PlacedOrderAdmin):
    form = OrderAdminForm
    list_display = ["id", "user", "state", "total_sum", "placed_at"]
    list_select_related = ["user"]
    list_filter = ["state", "placed_at", ShopFilter]
    date_hierarchy = "placed_at"
    search_fields = ["=id", "user__email"]
    readonly_fields = [
        "user",
        "state",
        "placed_at",
        "updated_at",
        "total_sum",
        "delivery_address",
        "contact",
        "parts",
    ]
    fields = [
        "user",
        "state",
        "new_state",
        "parts",
        "placed_at",
        "updated_at",
        "total_sum",
        "delivery_address",
        "contact",
    ]
    inlines = [OrderItemInline, OrderStateChangeInline]
    actions = [_move_action(state, label) for state, label in PLACED_STATE_CHOICES]

    @admin.display(description=_("supplier parts"))
    def parts(self, order: Order) -> str:
        return _parts_overview(order)

    def get_queryset(self, request):
        # Baskets are their buyers' own drafts, not orders to run.
        ordering = self.get_ordering(request)
        return Order.placed.order_by(*ordering) if ordering else Order.placed.all()

    def save_model(self, request, obj, form, change):
        new_state = form.cleaned_data.get("new_state")
        if new_state and new_state != obj.state:
            self._move(request, [obj.pk], new_state)

    def _move(self, request, order_ids: list[int], state: str) -> None:
        moved = 0
        for order_id in order_ids:
            try:
                order_set_state(order_id=order_id, state=state, actor=request.user)
                moved += 1
            except ApplicationError as error:
                self.message_user(request, f"#{order_id}: {error.message}", messages.ERROR)
        if moved:
            self.message_user(
                request,
                _("%(count)d order(s) moved to %(state)s.")
                % {"count": moved, "state": OrderState(state).label},
                messages.SUCCESS,
            )


class OrderPartStateChangeInline(admin.TabularInline):
    model = OrderPartStateChange
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "from_state", "to_state", "changed_by")

    def has_add_permission(self, request, obj=None):
        return False


class ShortDeliveryInline(admin.TabularInline):
    model = ShortDelivery
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "at",
        "item",
        "quantity_before",
        "quantity_after",
        "reason",
        "changed_by",
    )

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OrderPart)
class OrderPartAdmin(_PlacedOrderAdmin):
    """Each supplier's part of the orders: filter by shop and state, move through the
    same service as the API."""

    order_number = "order_id"

    form = OrderPartAdminForm
    list_display = ["id", "order", "shop_name", "state", "updated_at"]
    list_select_related = ["order"]
    list_filter = ["state", ("shop", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["=order__id", "shop_name"]
    readonly_fields = ["order", "shop", "shop_name", "state", "updated_at", "lines"]
    fields = ["order", "shop", "shop_name", "state", "new_state", "updated_at", "lines"]
    inlines = [OrderPartStateChangeInline, ShortDeliveryInline]
    actions = [_move_parts_action(state, label) for state, label in PLACED_STATE_CHOICES]

    @admin.display(description=_("lines"))
    def lines(self, part: OrderPart) -> str:
        items = OrderItem.objects.filter(order_id=part.order_id, shop_id_snapshot=part.shop_id)
        return format_html_join(
            ", ", "{} × {}", ((item.product_name, item.quantity) for item in items)
        )

    def save_model(self, request, obj, form, change):
        new_state = form.cleaned_data.get("new_state")
        if new_state and new_state != obj.state:
            self._move(request, [(obj.order_id, obj.pk)], new_state)

    def _move(self, request, parts: list[tuple[int, int]], state: str) -> None:
        moved = 0
        for order_id, part_id in parts:
            try:
                order_part_set_state(
                    order_id=order_id, part_id=part_id, state=state, actor=request.user
                )
                moved += 1
            except ApplicationError as error:
                self.message_user(
                    request, f"#{order_id}/{part_id}: {error.message}", messages.ERROR
                )
        if moved:
            self.message_user(
                request,
                _("%(count)d part(s) moved to %(state)s.")
                % {"count": moved, "state": OrderState(state).label},
                messages.SUCCESS,
            )
