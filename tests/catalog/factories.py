import factory

from procurement.catalog.models import (
    Category,
    Offer,
    OfferParameter,
    Parameter,
    Product,
    Shop,
)
from procurement.catalog.search import offer_search_text
from tests.factories import SupplierFactory


def refresh_search_text(offer: Offer) -> None:
    """Fill search_text as the price-list import does: name, model and parameter values."""
    values = offer.parameters.values_list("value", flat=True)
    offer.search_text = offer_search_text(
        name=offer.product.name, model=offer.model, parameter_values=values
    )
    offer.save(update_fields=["search_text"])


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shop

    name = factory.Sequence(lambda n: f"Shop {n}")
    user = factory.SubFactory(SupplierFactory)
    accepts_orders = True


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        skip_postgeneration_save = True

    id = factory.Sequence(lambda n: 1000 + n)
    name = factory.Sequence(lambda n: f"Category {n}")

    @factory.post_generation
    def shops(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.shops.add(*extracted)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    category = factory.SubFactory(CategoryFactory)


class ParameterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Parameter
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Parameter {n}")


class OfferFactory(factory.django.DjangoModelFactory):
    """An offer; `parameters={"Цвет": "синий"}` adds its parameters, search_text follows."""

    class Meta:
        model = Offer
        skip_postgeneration_save = True

    product = factory.SubFactory(ProductFactory)
    shop = factory.SubFactory(ShopFactory)
    external_id = factory.Sequence(lambda n: 100_000 + n)
    model = factory.Sequence(lambda n: f"model-{n}")
    quantity = 10
    price = "100.00"
    price_rrc = "120.00"
    search_text = factory.LazyAttribute(
        lambda offer: offer_search_text(
            name=offer.product.name, model=offer.model, parameter_values=()
        )
    )

    @factory.post_generation
    def parameters(obj, create, extracted, **kwargs):
        if not create or not extracted:
            return
        for name, value in extracted.items():
            OfferParameter.objects.create(
                offer=obj, parameter=ParameterFactory(name=name), value=str(value)
            )
        refresh_search_text(obj)


class OfferParameterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfferParameter
        skip_postgeneration_save = True

    offer = factory.SubFactory(OfferFactory)
    parameter = factory.SubFactory(ParameterFactory)
    value = factory.Sequence(lambda n: f"value {n}")

    @factory.post_generation
    def _search_text(obj, create, extracted, **kwargs):
        if create:
            refresh_search_text(obj.offer)
