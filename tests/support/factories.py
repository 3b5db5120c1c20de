"""factory_boy factories of the project's models: accounts, then the catalog."""

import factory

from procurement.accounts.models import Contact, User, UserType
from procurement.catalog.models import (
    Category,
    Offer,
    OfferParameter,
    Parameter,
    Product,
    Shop,
)
from procurement.catalog.offers import refresh_search_text

DEFAULT_PASSWORD = "Sturdy-Passw0rd-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = "Ivan"
    last_name = "Petrov"
    type = UserType.BUYER
    is_active = True
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class SupplierFactory(UserFactory):
    email = factory.Sequence(lambda n: f"supplier{n}@example.com")
    type = UserType.SHOP


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    user = factory.SubFactory(UserFactory)
    city = "Moscow"
    street = "Tverskaya"
    house = "1"
    phone = "+79990000000"


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


def follow_search_text(offer: Offer) -> None:
    """The offer's search text as the catalog keeps it, in the database and on the object."""
    refresh_search_text(offer_ids=[offer.pk])
    offer.refresh_from_db(fields=["search_text"])


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

    @factory.post_generation
    def parameters(obj, create, extracted, **kwargs):
        if not create:
            return
        for name, value in (extracted or {}).items():
            OfferParameter.objects.create(
                offer=obj, parameter=ParameterFactory(name=name), value=str(value)
            )
        follow_search_text(obj)


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
            follow_search_text(obj.offer)
