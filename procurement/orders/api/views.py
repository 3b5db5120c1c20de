from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.core.permissions import IsSupplier
from procurement.core.serializers import (
    CreatedIdSerializer,
    body_or_query,
    error_responses,
    validated,
)
from procurement.orders import selectors, services
from procurement.orders.api import serializers as s
from procurement.orders.models import PLACED_STATE_CHOICES

STATE_FILTER = OpenApiParameter(
    "state",
    str,
    enum=[value for value, _label in PLACED_STATE_CHOICES],
    description="Only orders in this state.",
)


class BasketView(APIView):
    def _basket(self, request, status_code=status.HTTP_200_OK):
        basket = services.basket_get_or_create(user=request.user)
        return Response(
            s.BasketSerializer(selectors.basket_detail(basket=basket)).data, status=status_code
        )

    @extend_schema(tags=["basket"], responses={200: s.BasketSerializer, **error_responses(401)})
    def get(self, request):
        return self._basket(request)

    @extend_schema(
        tags=["basket"],
        request=s.BasketAddInputSerializer,
        responses={201: s.BasketCreatedSerializer, **error_responses(400, 401, 415)},
        summary="Add offers to the basket (an offer already there gets the quantity added)",
    )
    def post(self, request):
        lines = [
            services.BasketLine(offer_id=line["product_info"], quantity=line["quantity"])
            for line in validated(s.BasketAddInputSerializer, request.data)["items"]
        ]
        created = services.basket_add(user=request.user, lines=lines)
        return Response({"Status": True, "Created": created}, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["basket"],
        request=s.BasketUpdateInputSerializer,
        responses={200: s.BasketUpdatedSerializer, **error_responses(400, 401, 415)},
        summary="Set the quantity of basket lines",
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
        responses={200: s.BasketDeletedSerializer, **error_responses(400, 401, 415)},
        parameters=[
            OpenApiParameter(
                "items",
                str,
                description="The ids as in the body (12,15), for clients that cannot send a "
                "body with DELETE; used when the body is empty.",
            )
        ],
        summary="Remove basket lines",
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
        responses={200: s.OrderSummarySerializer(many=True), **error_responses(400, 401, 404)},
        summary="Your orders, newest first",
    )
    def get(self, request):
        state = validated(s.OrderStateFilterSerializer, request.query_params).get("state")
        page = self.paginate_queryset(selectors.order_list(user=request.user, state=state))
        return self.get_paginated_response(s.OrderSummarySerializer(page, many=True).data)

    @extend_schema(
        tags=["orders"],
        request=s.OrderPlaceInputSerializer,
        responses={200: CreatedIdSerializer, **error_responses(400, 401, 404, 409, 415)},
        summary="Place the basket as an order",
    )
    def post(self, request):
        data = validated(s.OrderPlaceInputSerializer, request.data)
        order = services.order_place(
            buyer=request.user, basket_id=data["id"], contact_id=data["contact"]
        )
        return Response({"Status": True, "id": order.pk})


class OrderDetailView(APIView):
    @extend_schema(
        tags=["orders"], responses={200: s.OrderDetailSerializer, **error_responses(401, 404)}
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
        responses={200: s.OrderDetailSerializer, **error_responses(400, 401, 403, 404, 409, 415)},
        summary="Change the state (the owner may cancel a new order; staff any allowed move)",
    )
    def patch(self, request, order_id: int):
        state = validated(s.OrderStateInputSerializer, request.data)["state"]
        services.order_set_state(order_id=order_id, state=state, actor=request.user)
        return Response(
            s.OrderDetailSerializer(
                selectors.order_detail(user=request.user, order_id=order_id)
            ).data
        )


class SupplierOrderListView(GenericAPIView):
    permission_classes = [IsSupplier]
    serializer_class = s.SupplierOrderSerializer
    filter_backends = []  # the state filter is the selector's

    @extend_schema(
        tags=["partner"],
        parameters=[STATE_FILTER],
        responses={
            200: s.SupplierOrderSerializer(many=True),
            **error_responses(400, 401, 403, 404),
        },
        summary="Placed orders holding your offers, each with only your lines",
    )
    def get(self, request):
        state = validated(s.OrderStateFilterSerializer, request.query_params).get("state")
        orders = selectors.supplier_order_list(supplier=request.user, state=state)
        page = self.paginate_queryset(orders)
        return self.get_paginated_response(s.SupplierOrderSerializer(page, many=True).data)
