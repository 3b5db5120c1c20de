from rest_framework import serializers

from procurement.catalog.models import Category, Offer, OfferParameter, Product, Shop
from procurement.core.serializers import ContractModelSerializer


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


class OfferSerializer(serializers.ModelSerializer):
    """An offer (the spec's "product_info"); load it with `selectors.offer_list()`."""

    product = OfferProductSerializer()
    shop = OfferShopSerializer()
    product_parameters = OfferParameterSerializer(many=True, source="parameters")

    class Meta:
        model = Offer
        fields = [
            "id",
            "external_id",
            "model",
            "product",
            "shop",
            "quantity",
            "price",
            "price_rrc",
            "product_parameters",
        ]
