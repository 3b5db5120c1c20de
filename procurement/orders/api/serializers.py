from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from procurement.accounts.models import UserType
from procurement.catalog.api.serializers import OfferSerializer
from procurement.core.serializers import ContractModelSerializer, IdListField, ObjectListField
from procurement.orders.models import (
    PLACED_STATE_CHOICES,
    Order,
    OrderItem,
    OrderPart,
    OrderPartStateChange,
    OrderStateChange,
    ShortDelivery,
)
from procurement.orders.services import MAX_LINE_QUANTITY

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

MONEY = serializers.DecimalField(max_digits=14, decimal_places=2)


class ShopItems(TypedDict):
    """What `supplier_order_list` attaches to each order: the lines of the supplier's shop
    and its part."""

    shop_items: list[OrderItem]
    shop_parts: list[OrderPart]


def basket_sum_field(**kwargs) -> serializers.DecimalField:
    """A basket's sums are read at today's prices, which may have risen since its lines were
    added: with no digit limit an old basket beyond what an order holds is still shown (its
    placement is refused), never a failure."""
    return serializers.DecimalField(max_digits=None, decimal_places=2, **kwargs)


# Inputs


class BasketLineInputSerializer(serializers.Serializer):
    product_info = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)


class BasketChangeInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)


@extend_schema_field(BasketLineInputSerializer(many=True))
class BasketLinesField(ObjectListField):
    child_class = BasketLineInputSerializer


@extend_schema_field(BasketChangeInputSerializer(many=True))
class BasketChangesField(ObjectListField):
    child_class = BasketChangeInputSerializer


class BasketAddInputSerializer(serializers.Serializer):
    items = BasketLinesField(help_text="A JSON array, or a string holding one.")


class BasketUpdateInputSerializer(serializers.Serializer):
    items = BasketChangesField(help_text="A JSON array, or a string holding one.")


class BasketRemoveInputSerializer(serializers.Serializer):
    items = IdListField(help_text="Ids of basket lines.")


class OrderPlaceInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="The basket's id.")
    contact = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="The id of one of your contacts."
    )


class OrderStateInputSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=PLACED_STATE_CHOICES)
    part = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        help_text="Move only this part (its `id` in `parts`); without it, the whole order.",
    )


class ShortLineInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="A line's id.")
    quantity = serializers.IntegerField(
        min_value=0,
        max_value=MAX_LINE_QUANTITY,
        help_text="What will be delivered: never more than now; 0 takes the line's goods out.",
    )


@extend_schema_field(ShortLineInputSerializer(many=True))
class ShortLinesField(ObjectListField):
    child_class = ShortLineInputSerializer


class SupplierOrderChangeInputSerializer(serializers.Serializer):
    """Either `state` (move the supplier's part) or `items` with `reason` (a short delivery)."""

    state = serializers.ChoiceField(
        choices=PLACED_STATE_CHOICES, required=False, help_text="Move your part to this state."
    )
    items = ShortLinesField(
        required=False, help_text="Lines to lower (a short delivery); a JSON array, or a string."
    )
    reason = serializers.CharField(
        max_length=500, required=False, help_text="Why less is delivered; told to the buyer."
    )

    def validate(self, attrs: dict) -> dict:
        if ("state" in attrs) == ("items" in attrs):
            raise serializers.ValidationError(
                {"state": [_("Send either a state or the lines to lower, not both.")]}
            )
        if "items" in attrs and not attrs.get("reason", "").strip():
            raise serializers.ValidationError({"reason": [_("Say why the lines are lowered.")]})
        return attrs


class OrderStateFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=PLACED_STATE_CHOICES, required=False)


# Outputs


class BasketItemSerializer(serializers.ModelSerializer):
    product_info = OfferSerializer(source="offer")
    sum = basket_sum_field(source="line_sum")

    class Meta:
        model = OrderItem
        fields = ["id", "product_info", "quantity", "sum"]


class BasketSerializer(serializers.ModelSerializer):
    ordered_items = BasketItemSerializer(many=True)
    total_sum = basket_sum_field(source="basket_total")

    class Meta:
        model = Order
        fields = ["id", "state", "ordered_items", "total_sum"]


class OrderSummarySerializer(ContractModelSerializer):
    items_count = serializers.IntegerField()

    class Meta:
        model = Order
        fields = ["id", "dt", "state", "total_sum", "items_count"]
        api_names = {"dt": "placed_at"}


class SnapshotShopSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="shop_id_snapshot")
    name = serializers.CharField(source="shop_name")


class OrderItemSerializer(serializers.ModelSerializer):
    """A placed line: price, names and shop as they were when the order was placed."""

    product_info = OfferSerializer(source="offer")
    shop = SnapshotShopSerializer(source="*")
    sum = serializers.SerializerMethodField()

    class Meta:
        model = OrderItem
        fields = ["id", "product_info", "product_name", "model", "shop", "quantity", "price", "sum"]

    @extend_schema_field(MONEY)
    def get_sum(self, item: OrderItem) -> str:
        return MONEY.to_representation(item.placed_sum)


class DeliveryAddressSerializer(serializers.Serializer):
    id = serializers.IntegerField(required=False)
    city = serializers.CharField()
    street = serializers.CharField()
    house = serializers.CharField(allow_blank=True)
    structure = serializers.CharField(allow_blank=True)
    building = serializers.CharField(allow_blank=True)
    apartment = serializers.CharField(allow_blank=True)
    phone = serializers.CharField()


class HistorySerializer(serializers.ModelSerializer):
    state = serializers.CharField(source="to_state")

    class Meta:
        model = OrderStateChange
        fields = ["state", "at"]


BY_CHOICES = ["buyer", "supplier", "staff", "system"]


class PartHistorySerializer(serializers.ModelSerializer):
    state = serializers.CharField(source="to_state")
    by = serializers.SerializerMethodField()

    class Meta:
        model = OrderPartStateChange
        fields = ["state", "at", "by"]

    @extend_schema_field(serializers.ChoiceField(choices=BY_CHOICES))
    def get_by(self, change: OrderPartStateChange) -> str:
        """Who made the change, by role (never whom: staff and suppliers stay unnamed)."""
        user = change.changed_by
        if user is None:
            return "system"
        if user.is_staff:
            return "staff"
        return "supplier" if user.type == UserType.SHOP else "buyer"


class ShortDeliverySerializer(serializers.ModelSerializer):
    line = serializers.IntegerField(source="item_id")

    class Meta:
        model = ShortDelivery
        fields = ["line", "quantity_before", "quantity_after", "reason", "at"]


class PartShopSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="shop_id")
    name = serializers.CharField(source="shop_name")


class OrderPartSerializer(serializers.ModelSerializer):
    """One supplier's part: its shop, state, lines (ids in `ordered_items`), sum and history."""

    shop = PartShopSerializer(source="*")
    sum = serializers.SerializerMethodField(help_text="The sum of the part's lines.")
    items = serializers.SerializerMethodField(help_text="Ids of the part's lines.")
    history = PartHistorySerializer(many=True)
    short_deliveries = ShortDeliverySerializer(many=True)

    class Meta:
        model = OrderPart
        fields = ["id", "shop", "state", "sum", "items", "history", "short_deliveries"]

    @staticmethod
    def _lines(part: OrderPart) -> list[OrderItem]:
        # The order's lines are read once, by the selector (all of them or the supplier's).
        order = part.order
        lines = getattr(order, "shop_items", None)
        if lines is None:
            lines = order.ordered_items.all()
        return [line for line in lines if line.shop_id_snapshot == part.shop_id]

    @extend_schema_field(MONEY)
    def get_sum(self, part: OrderPart) -> str:
        return MONEY.to_representation(
            sum((line.placed_sum for line in self._lines(part)), Decimal("0.00"))
        )

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_items(self, part: OrderPart) -> list[int]:
        return [line.pk for line in self._lines(part)]


class OrderDetailSerializer(ContractModelSerializer):
    contact = DeliveryAddressSerializer(source="delivery_address")
    ordered_items = OrderItemSerializer(many=True)
    history = HistorySerializer(many=True)
    parts = OrderPartSerializer(many=True, help_text="One part per supplier, each on its own way.")

    class Meta:
        model = Order
        fields = ["id", "dt", "state", "total_sum", "contact", "ordered_items", "history", "parts"]
        api_names = {"dt": "placed_at"}


class SupplierOrderSerializer(ContractModelSerializer):
    state = serializers.SerializerMethodField(help_text="The state of your part.")
    order_state = serializers.ChoiceField(
        choices=PLACED_STATE_CHOICES,
        source="state",
        help_text="The state of the whole order (its least advanced part).",
    )
    contact = DeliveryAddressSerializer(source="delivery_address")
    ordered_items = OrderItemSerializer(many=True, source="shop_items")
    total_sum = serializers.SerializerMethodField(help_text="The sum of this supplier's lines.")
    part = serializers.SerializerMethodField(help_text="Your part, with its history.")

    class Meta:
        model = Order
        fields = [
            "id",
            "dt",
            "state",
            "order_state",
            "total_sum",
            "contact",
            "ordered_items",
            "part",
        ]
        api_names = {"dt": "placed_at"}

    @extend_schema_field(serializers.ChoiceField(choices=PLACED_STATE_CHOICES))
    def get_state(self, order: "WithAnnotations[Order, ShopItems]") -> str:
        return order.shop_parts[0].state

    @extend_schema_field(OrderPartSerializer)
    def get_part(self, order: "WithAnnotations[Order, ShopItems]") -> dict:
        return OrderPartSerializer(order.shop_parts[0]).data

    @extend_schema_field(MONEY)
    def get_total_sum(self, order: "WithAnnotations[Order, ShopItems]") -> str:
        return MONEY.to_representation(
            sum((item.placed_sum for item in order.shop_items), Decimal("0.00"))
        )


class SupplierOrderChangedSerializer(SupplierOrderSerializer):
    Status = serializers.BooleanField()

    class Meta(SupplierOrderSerializer.Meta):
        fields = ["Status", *SupplierOrderSerializer.Meta.fields]


class OrderChangedSerializer(OrderDetailSerializer):
    Status = serializers.BooleanField()

    class Meta(OrderDetailSerializer.Meta):
        fields = ["Status", *OrderDetailSerializer.Meta.fields]


class BasketCreatedSerializer(serializers.Serializer):
    Status = serializers.BooleanField()
    Created = serializers.IntegerField(
        help_text="Offers added; one already in the basket counts too (its quantity grew)."
    )
    basket = BasketSerializer(help_text="The basket after the change, as `GET /basket`.")


class BasketUpdatedSerializer(serializers.Serializer):
    Status = serializers.BooleanField()
    Updated = serializers.IntegerField()


class BasketDeletedSerializer(serializers.Serializer):
    Status = serializers.BooleanField()
    Deleted = serializers.IntegerField()
