from rest_framework import serializers

from procurement.catalog.models import Category, Offer, OfferParameter, Product, Shop
from procurement.catalog.offers import SHOWN_FIELDS
from procurement.core.serializers import ContractModelSerializer, RowShape


class ShopSerializer(ContractModelSerializer):
    class Meta:
        model = Shop
        fields = ["id", "name", "state"]
        api_names = {"state": "accepts_orders"}


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name"]


class OfferProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "name", "category"]


class OfferShopSerializer(serializers.ModelSerializer):
    class Meta:
        model = Shop
        fields = ["id", "name"]


class OfferParameterSerializer(serializers.ModelSerializer):
    parameter = serializers.CharField(source="parameter.name")

    class Meta:
        model = OfferParameter
        fields = ["parameter", "value"]


# Loaded with `selectors.offer_list()`, or as rows with
# `selectors.offer_rows(columns=OFFER_ROWS.columns)` (see OFFER_ROWS).
class OfferSerializer(serializers.ModelSerializer):
    """An offer (the API's `product_info`): one shop's good, its price, recommended retail
    price and stock, with the good's parameters."""

    product = OfferProductSerializer()
    shop = OfferShopSerializer()
    product_parameters = OfferParameterSerializer(many=True, source="parameters")

    class Meta:
        model = Offer
        fields = [*(field.name for field in SHOWN_FIELDS), "product_parameters"]


# Catalog pages are built from rows, without model objects, in exactly this serializer's shape.
OFFER_ROWS = RowShape(OfferSerializer)
