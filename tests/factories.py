import factory

from procurement.accounts.models import Contact, User, UserType

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
