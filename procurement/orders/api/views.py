from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.core.permissions import IsSupplier
from procurement.core.serializers import (
    ITEMS_QUERY_PARAMETER,
    CreatedIdSerializer,
    body_or_query,
    error_responses,
    validated,
)
from procurement.orders import selectors, services
from procurement.orders.api import serializers as s
from procurement.orders.api.examples import (
    BASKET,
    ORDER,
    ORDER_CANCELED,
    SUPPLIER_ORDER,
    SUPPLIER_ORDER_CONFIRMED,
)
from procurement.orders.models import PLACED_STATE_CHOICES

STATE_FILTER = OpenApiParameter(
    "state",
    str,
    enum=[value for value, _label in PLACED_STATE_CHOICES],
    description="Only orders in this state.",
)


class BasketView(APIView):
    def _basket(self, user) -> dict:
        basket = services.basket_get_or_create(user=user)
        return s.BasketSerializer(selectors.basket_detail(basket=basket)).data

    @extend_schema(
        tags=["basket"],
        responses={200: s.BasketSerializer},
        operation_id="basket_get",
        summary="Your basket, priced at today's offers",
        examples=[OpenApiExample("Two units of one offer", value=BASKET, response_only=True)],
    )
    def get(self, request):
        return Response(self._basket(request.user))

    @extend_schema(
        tags=["basket"],
        request=s.BasketAddInputSerializer,
        responses={201: s.BasketCreatedSerializer, **error_responses(400)},
        operation_id="basket_add",
        summary="Add offers to the basket (an offer already there gets the quantity added)",
        description="Offers of several shops may share the basket. The answer holds the "
        "basket after the change, so its `id` can go straight to `POST /order`.",
        examples=[
            OpenApiExample(
                "Two units of one offer",
                value={"items": [{"product_info": 12, "quantity": 2}]},
                request_only=True,
            ),
            OpenApiExample(
                "Added",
                value={"Status": True, "Created": 1, "basket": BASKET},
                response_only=True,
                status_codes=[201],
            ),
        ],
    )
    def post(self, request):
        lines = [
            services.BasketLine(offer_id=line["product_info"], quantity=line["quantity"])
            for line in validated(s.BasketAddInputSerializer, request.data)["items"]
        ]
        created = services.basket_add(user=request.user, lines=lines)
        return Response(
            {"Status": True, "Created": created, "basket": self._basket(request.user)},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        tags=["basket"],
        request=s.BasketUpdateInputSerializer,
        responses={200: s.BasketUpdatedSerializer, **error_responses(400)},
        operation_id="basket_update",
        summary="Set the quantity of basket lines",
        description="Raising a line whose offer `POST /basket` would refuse (withdrawn, or its "
        "shop not accepting orders) is 400 with the same message, keyed by the line's id; such "
        "a line may still be lowered. A line named twice is 400. One bad line refuses the "
        "whole request.",
        examples=[
            OpenApiExample(
                "Three units instead of two",
                value={"items": [{"id": 101, "quantity": 3}]},
                request_only=True,
            ),
            OpenApiExample("Updated", value={"Status": True, "Updated": 1}, response_only=True),
        ],
    )
    def put(self, request):
        changes = [
            services.BasketChange(line_id=change["id"], quantity=change["quantity"])
            for change in validated(s.BasketUpdateInputSerializer, request.data)["items"]
        ]
        updated = services.basket_update(user=request.user, changes=changes)
        return Response({"Status": True, "Updated": updated})

    @extend_schema(
        tags=["basket"],
        request=s.BasketRemoveInputSerializer,
        parameters=[ITEMS_QUERY_PARAMETER],
        responses={200: s.BasketDeletedSerializer, **error_responses(400)},
        operation_id="basket_remove",
        summary="Remove basket lines",
        description="A line named twice is removed once; ids not in your basket are skipped.",
        examples=[
            OpenApiExample("One line", value={"items": [101]}, request_only=True),
            OpenApiExample("Removed", value={"Status": True, "Deleted": 1}, response_only=True),
        ],
    )
    def delete(self, request):
        ids = validated(s.BasketRemoveInputSerializer, body_or_query(request))["items"]
        deleted = services.basket_remove(user=request.user, item_ids=ids)
        return Response({"Status": True, "Deleted": deleted})


class OrderListView(GenericAPIView):
    serializer_class = s.OrderSummarySerializer
    filter_backends = []  # the state filter is the selector's

    @extend_schema(
        tags=["orders"],
        parameters=[STATE_FILTER],
        responses={200: s.OrderSummarySerializer(many=True), **error_responses(400, 404)},
        operation_id="order_list",
        summary="Your orders, newest first (their lines are in `GET /order/{id}`)",
        examples=[
            OpenApiExample(
                "A new order",
                value={
                    "id": 41,
                    "dt": ORDER["dt"],
                    "state": "new",
                    "total_sum": "220000.00",
                    "items_count": 1,
                },
                response_only=True,
            )
        ],
    )
    def get(self, request):
        state = validated(s.OrderStateFilterSerializer, request.query_params).get("state")
        page = self.paginate_queryset(selectors.order_list(user=request.user, state=state))
        return self.get_paginated_response(s.OrderSummarySerializer(page, many=True).data)

    @extend_schema(
        tags=["orders"],
        request=s.OrderPlaceInputSerializer,
        responses={200: CreatedIdSerializer, **error_responses(400, 404, 409)},
        operation_id="order_place",
        summary="Place the basket as an order",
        description="The basket becomes order `id` in state `new`: stock is taken, prices, "
        "names and the address are kept as they are now. 409 names the closed shops or the "
        "lines short of stock.",
        examples=[
            OpenApiExample(
                "The basket, to one of your contacts",
                value={"id": 41, "contact": 3},
                request_only=True,
            ),
            OpenApiExample("Placed", value={"Status": True, "id": 41}, response_only=True),
        ],
    )
    def post(self, request):
        data = validated(s.OrderPlaceInputSerializer, request.data)
        order = services.order_place(
            buyer=request.user, basket_id=data["id"], contact_id=data["contact"]
        )
        return Response({"Status": True, "id": order.pk})


class OrderDetailView(APIView):
    @extend_schema(
        tags=["orders"],
        responses={200: s.OrderDetailSerializer, **error_responses(404)},
        operation_id="order_get",
        summary="One of your orders with its lines and history (staff: any order)",
        examples=[OpenApiExample("A new order", value=ORDER, response_only=True)],
    )
    def get(self, request, order_id: int):
        return Response(
            s.OrderDetailSerializer(
                selectors.order_detail(user=request.user, order_id=order_id)
            ).data
        )

    @extend_schema(
        tags=["orders"],
        request=s.OrderStateInputSerializer,
        responses={200: s.OrderChangedSerializer, **error_responses(400, 403, 404, 409)},
        operation_id="order_set_state",
        summary="Change the state of the order or of one part (the owner may cancel what is "
        "still new; staff any allowed move)",
        description="Without `part`, every part that can make the move makes it and the order "
        "follows its parts (409 when none can); the owner may cancel the whole order while "
        "every part is `new`. With `part`, only that part moves; the owner may cancel a part "
        "while it is `new`.",
        examples=[
            OpenApiExample("Cancel", value={"state": "canceled"}, request_only=True),
            OpenApiExample(
                "Cancel one supplier's part",
                value={"state": "canceled", "part": 7},
                request_only=True,
            ),
            OpenApiExample(
                "Canceled",
                value={"Status": True, **ORDER_CANCELED},
                response_only=True,
            ),
        ],
    )
    def patch(self, request, order_id: int):
        data = validated(s.OrderStateInputSerializer, request.data)
        if "part" in data:
            services.order_part_set_state(
                order_id=order_id, part_id=data["part"], state=data["state"], actor=request.user
            )
        else:
            services.order_set_state(order_id=order_id, state=data["state"], actor=request.user)
        order = selectors.order_detail(user=request.user, order_id=order_id)
        return Response({"Status": True, **s.OrderDetailSerializer(order).data})


class SupplierOrderListView(GenericAPIView):
    permission_classes = [IsSupplier]
    serializer_class = s.SupplierOrderSerializer
    filter_backends = []  # the state filter is the selector's

    @extend_schema(
        tags=["partner"],
        parameters=[STATE_FILTER],
        responses={200: s.SupplierOrderSerializer(many=True), **error_responses(400, 403, 404)},
        operation_id="partner_order_list",
        summary="Placed orders holding your offers, each with only your lines and your part",
        examples=[
            OpenApiExample(
                "An order with one of your lines",
                value=SUPPLIER_ORDER,
                response_only=True,
            )
        ],
    )
    def get(self, request):
        state = validated(s.OrderStateFilterSerializer, request.query_params).get("state")
        orders = selectors.supplier_order_list(supplier=request.user, state=state)
        page = self.paginate_queryset(orders)
        return self.get_paginated_response(s.SupplierOrderSerializer(page, many=True).data)


class SupplierOrderDetailView(APIView):
    permission_classes = [IsSupplier]

    @extend_schema(
        tags=["partner"],
        responses={200: s.SupplierOrderSerializer, **error_responses(403, 404)},
        operation_id="partner_order_get",
        summary="One order holding your offers, with only your lines and your part",
        examples=[
            OpenApiExample("Your part of an order", value=SUPPLIER_ORDER, response_only=True)
        ],
    )
    def get(self, request, order_id: int):
        order = selectors.supplier_order_detail(supplier=request.user, order_id=order_id)
        return Response(s.SupplierOrderSerializer(order).data)

    @extend_schema(
        tags=["partner"],
        request=s.SupplierOrderChangeInputSerializer,
        responses={200: s.SupplierOrderChangedSerializer, **error_responses(400, 403, 404, 409)},
        operation_id="partner_order_update",
        summary="Move your part of an order, or deliver less of its lines",
        description="`state` moves your part (`new` → `confirmed` → `assembled` → `sent` → "
        "`delivered`; `canceled` from the first three, which returns its stock). `items` with "
        "`reason` lowers lines before your part is `assembled` (a short delivery): the "
        "difference returns to stock, the totals follow, the buyer gets an email. 409 on a "
        "move the states do not allow or a raise of quantity; 400 if a line is named twice; "
        "404 if the order holds none of your goods.",
        examples=[
            OpenApiExample("Confirm your part", value={"state": "confirmed"}, request_only=True),
            OpenApiExample(
                "Deliver one unit instead of two",
                value={"items": [{"id": 101, "quantity": 1}], "reason": "Only one left in stock"},
                request_only=True,
            ),
            OpenApiExample(
                "Confirmed",
                value={"Status": True, **SUPPLIER_ORDER_CONFIRMED},
                response_only=True,
            ),
        ],
    )
    def patch(self, request, order_id: int):
        data = validated(s.SupplierOrderChangeInputSerializer, request.data)
        if "state" in data:
            services.supplier_part_set_state(
                order_id=order_id, state=data["state"], supplier=request.user
            )
        else:
            services.supplier_part_short_deliver(
                order_id=order_id,
                supplier=request.user,
                lines=[
                    services.LineShortage(line_id=line["id"], quantity=line["quantity"])
                    for line in data["items"]
                ],
                reason=data["reason"],
            )
        order = selectors.supplier_order_detail(supplier=request.user, order_id=order_id)
        return Response({"Status": True, **s.SupplierOrderSerializer(order).data})
