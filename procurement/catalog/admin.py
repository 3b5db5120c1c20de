from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from procurement.catalog.models import (
    Category,
    Offer,
    OfferParameter,
    Parameter,
    Product,
    Shop,
    ShopOpenForOrders,
    open_for_orders_value,
)
from procurement.catalog.offers import refresh_search_text
from procurement.catalog.services import shop_set_accepts_orders

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "name",
        "user",
        "accepts_orders",
        "owner_active",
        "open_for_orders",
        "updated_at",
    ]
    list_display_links = ["id", "name"]
    list_editable = ["accepts_orders"]
    list_filter = ["accepts_orders", "user__is_active"]
    list_select_related = ["user"]
    search_fields = ["name", "user__email"]
    raw_id_fields = ["user"]
    actions = ["open_intake", "close_intake"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(shop_open_for_orders=open_for_orders_value())

    @admin.display(description=_("owner active"), boolean=True, ordering="user__is_active")
    def owner_active(self, shop: Shop) -> bool | None:
        return shop.user.is_active if shop.user is not None else None

    @admin.display(description=_("open for orders"), boolean=True)
    def open_for_orders(self, shop: "WithAnnotations[Shop, ShopOpenForOrders]") -> bool:
        return bool(shop.shop_open_for_orders)

    @admin.action(description=_("Accept orders in the selected shops"))
    def open_intake(self, request, queryset):
        self._set_intake(request, queryset, True)

    @admin.action(description=_("Stop accepting orders in the selected shops"))
    def close_intake(self, request, queryset):
        self._set_intake(request, queryset, False)

    def save_model(self, request, obj, form, change):
        # The switch changes only through shop_set_accepts_orders, as the supplier's own does.
        switched = change and "accepts_orders" in form.changed_data
        accepts_orders = obj.accepts_orders
        if switched:
            obj.accepts_orders = form.initial["accepts_orders"]
        super().save_model(request, obj, form, change)
        if switched:
            shop_set_accepts_orders(shop=obj, accepts_orders=accepts_orders)

    def _set_intake(self, request, queryset, accepts_orders: bool) -> None:
        shops = list(queryset.order_by("pk"))
        for shop in shops:
            shop_set_accepts_orders(shop=shop, accepts_orders=accepts_orders)
        changed = len(shops)
        self.message_user(
            request,
            ngettext("%(count)d shop changed.", "%(count)d shops changed.", changed)
            % {"count": changed},
            messages.SUCCESS,
        )


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["id", "name"]
    search_fields = ["name", "=id"]
    filter_horizontal = ["shops"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "category"]
    list_select_related = ["category"]
    list_filter = ["category"]
    search_fields = ["name"]
    raw_id_fields = ["category"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "name" in form.changed_data:  # the name is in the search text of its offers
            refresh_search_text(offer_ids=obj.offers.values_list("pk", flat=True))


@admin.register(Parameter)
class ParameterAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class OfferParameterInline(admin.TabularInline):
    model = OfferParameter
    extra = 0
    raw_id_fields = ["parameter"]


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "product",
        "shop",
        "external_id",
        "model",
        "price",
        "price_rrc",
        "quantity",
        "is_withdrawn",
    ]
    list_select_related = ["product", "shop"]
    list_filter = ["is_withdrawn", "shop"]
    search_fields = ["product__name", "model", "=external_id"]
    raw_id_fields = ["product", "shop"]
    readonly_fields = ["updated_at"]
    inlines = [OfferParameterInline]

    def save_related(self, request, form, formsets, change):
        # After the parameters: the search text holds the model and the parameter values.
        super().save_related(request, form, formsets, change)
        refresh_search_text(offer_ids=[form.instance.pk])
