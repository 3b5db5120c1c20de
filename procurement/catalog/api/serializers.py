from rest_framework import serializers

from procurement.catalog.models import Category, Product, ProductInfo, ProductParameter, Shop


class ShopSerializer(serializers.ModelSerializer):
    class Meta:
        model = Shop
        fields = ["id", "name", "state"]


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
        model = ProductParameter
        fields = ["parameter", "value"]


class OfferSerializer(serializers.ModelSerializer):
    """An offer (the spec's "product_info"); load it with `selectors.offer_list()`."""

    product = OfferProductSerializer()
    shop = OfferShopSerializer()
    product_parameters = OfferParameterSerializer(many=True)

    class Meta:
        model = ProductInfo
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
