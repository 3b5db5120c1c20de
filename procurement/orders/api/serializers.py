from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from procurement.catalog.api.serializers import OfferSerializer
from procurement.core.serializers import ContractModelSerializer, IdListField, ObjectListField
from procurement.orders.models import PLACED_STATE_CHOICES, Order, OrderItem, OrderStateChange
from procurement.orders.services import MAX_LINE_QUANTITY

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

MONEY = serializers.DecimalField(max_digits=14, decimal_places=2)


class ShopItems(TypedDict):
    """What `supplier_order_list` attaches to each order: the lines of the supplier's shop."""

    shop_items: list[OrderItem]


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


class OrderDetailSerializer(ContractModelSerializer):
    contact = DeliveryAddressSerializer(source="delivery_address")
    ordered_items = OrderItemSerializer(many=True)
    history = HistorySerializer(many=True)

    class Meta:
        model = Order
        fields = ["id", "dt", "state", "total_sum", "contact", "ordered_items", "history"]
        api_names = {"dt": "placed_at"}


class SupplierOrderSerializer(ContractModelSerializer):
    contact = DeliveryAddressSerializer(source="delivery_address")
    ordered_items = OrderItemSerializer(many=True, source="shop_items")
    total_sum = serializers.SerializerMethodField(help_text="The sum of this supplier's lines.")

    class Meta:
        model = Order
        fields = ["id", "dt", "state", "total_sum", "contact", "ordered_items"]
        api_names = {"dt": "placed_at"}

    @extend_schema_field(MONEY)
    def get_total_sum(self, order: "WithAnnotations[Order, ShopItems]") -> str:
        return MONEY.to_representation(
            sum((item.placed_sum for item in order.shop_items), Decimal("0.00"))
        )


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
