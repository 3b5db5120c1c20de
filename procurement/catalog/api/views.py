from typing import cast

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from procurement.catalog import selectors
from procurement.catalog.api import serializers as s
from procurement.catalog.api.examples import OFFER
from procurement.catalog.filters import CategoryFilter, OfferFilter, StableOrderingFilter
from procurement.core.db_replicas import ReplicaReadsMixin
from procurement.core.pagination import CappedCountPagination
from procurement.core.serializers import error_responses

ORDERING = cast(StableOrderingFilter, OfferFilter.base_filters["ordering"])


class CatalogView(ReplicaReadsMixin, APIView):
    """Public reads: anyone may browse the catalog; anonymous clients read from a healthy
    replica when there is one."""

    permission_classes = [AllowAny]


class ShopListView(CatalogView, ListAPIView):
    serializer_class = s.ShopSerializer
    filter_backends = []

    def get_queryset(self):
        return selectors.shop_list()

    @extend_schema(
        tags=["catalog"],
        responses={200: s.ShopSerializer(many=True), **error_responses(400, 404)},
        operation_id="shop_list",
        summary="Shops that accept orders",
        examples=[
            OpenApiExample(
                "A shop", value={"id": 1, "name": "Связной", "state": True}, response_only=True
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CategoryListView(CatalogView, ListAPIView):
    serializer_class = s.CategorySerializer
    filterset_class = CategoryFilter

    def get_queryset(self):
        return selectors.category_list()

    @extend_schema(
        tags=["catalog"],
        responses={200: s.CategorySerializer(many=True), **error_responses(400, 404)},
        operation_id="category_list",
        summary="Categories, or the categories of one shop",
        examples=[
            OpenApiExample("A category", value={"id": 224, "name": "Смартфоны"}, response_only=True)
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class OfferListView(CatalogView, ListAPIView):
    serializer_class = s.OfferSerializer
    filterset_class = OfferFilter
    pagination_class = CappedCountPagination

    def get_queryset(self):
        return selectors.offer_rows(columns=s.OFFER_ROWS.columns)

    def list(self, request, *args, **kwargs):
        rows = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        parameters = selectors.offer_parameter_rows(
            offer_ids=[row["id"] for row in rows],
            columns=s.OFFER_ROWS.lists["product_parameters"].columns,
        )
        offers = [
            s.OFFER_ROWS.represent(row, product_parameters=parameters[row["id"]]) for row in rows
        ]
        return self.get_paginated_response(offers)

    def paginate_queryset(self, queryset):
        filtered = set(self.request.query_params) & (set(OfferFilter.base_filters) - {"ordering"})
        # The whole catalog: its size is kept, not counted.
        count = None if filtered else selectors.offer_count()
        paginator = cast(CappedCountPagination, self.paginator)
        return paginator.paginate_queryset(
            queryset,
            self.request,
            view=self,
            count=count,
            fetch=lambda keys: selectors.offer_rows_by_id(
                offer_ids=keys, columns=s.OFFER_ROWS.columns
            ),
        )

    @extend_schema(
        tags=["catalog"],
        parameters=[ORDERING.parameter(example="-price,name")],
        responses={200: s.OfferSerializer(many=True), **error_responses(400, 404)},
        operation_id="product_list",
        summary="Offers of the shops that accept orders, filtered, searched and ordered",
        description="Withdrawn offers and offers of shops that do not accept orders are "
        "never listed. A page past the end is 404. An offer is the reference's "
        "`product_info`: add its `id` to the basket.",
        examples=[OpenApiExample("An offer", value=OFFER, response_only=True)],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class OfferDetailView(CatalogView, RetrieveAPIView):
    serializer_class = s.OfferSerializer

    def get_object(self):
        return selectors.offer_get(offer_id=self.kwargs["offer_id"])

    @extend_schema(
        tags=["catalog"],
        responses={200: s.OfferSerializer, **error_responses(404)},
        operation_id="product_get",
        summary="One offer",
        examples=[OpenApiExample("An offer", value=OFFER, response_only=True)],
        description="404 if the offer does not exist, is withdrawn, or its shop does not "
        "accept orders.",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
