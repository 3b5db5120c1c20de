from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from procurement.accounts.models import Contact, User, UserType
from procurement.core.serializers import IdListField

READ_ONLY_USER_FIELDS = ("id", "email", "type", "is_active", "is_staff", "is_superuser")


if TYPE_CHECKING:
    _SerializerMixinBase = serializers.Serializer  # what the mixin is combined with
else:
    _SerializerMixinBase = object


class RefuseReadOnlyFieldsMixin(_SerializerMixinBase):
    """Writing a field that is never writable is a 400, not silently ignored."""

    refused_fields: tuple[str, ...] = ()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        sent = getattr(self, "initial_data", {}) or {}
        refused = [name for name in self.refused_fields if name in sent]
        if refused:
            raise serializers.ValidationError(
                {name: [_("This field cannot be changed.")] for name in refused}
            )
        return super().validate(attrs)


class RegisterInputSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    company = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    position = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    type = serializers.ChoiceField(choices=UserType.choices, required=False, default=UserType.BUYER)


class ConfirmEmailInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    token = serializers.CharField(max_length=100)


class LoginInputSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class PasswordResetInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmInputSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=100)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "city", "street", "house", "structure", "building", "apartment", "phone"]
        read_only_fields = ["id"]


class ContactResultSerializer(ContactSerializer):
    Status = serializers.BooleanField(default=True)

    class Meta(ContactSerializer.Meta):
        fields = ["Status", *ContactSerializer.Meta.fields]


class ContactUpdateInputSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)

    class Meta:
        model = Contact
        fields = ["id", "city", "street", "house", "structure", "building", "apartment", "phone"]
        extra_kwargs = {name: {"required": False} for name in ["city", "street", "phone"]}


class ContactDeleteInputSerializer(serializers.Serializer):
    items = IdListField(help_text="Ids of your contacts.")


class UserDetailsSerializer(serializers.ModelSerializer):
    contacts = ContactSerializer(many=True, read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "first_name",
            "last_name",
            "email",
            "company",
            "position",
            "type",
            "language",
            "contacts",
        ]
        read_only_fields = fields


class UserUpdateInputSerializer(RefuseReadOnlyFieldsMixin, serializers.Serializer):
    refused_fields = READ_ONLY_USER_FIELDS

    first_name = serializers.CharField(max_length=150, required=False)
    last_name = serializers.CharField(max_length=150, required=False)
    company = serializers.CharField(max_length=100, required=False, allow_blank=True)
    position = serializers.CharField(max_length=100, required=False, allow_blank=True)
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        help_text="The language of the emails and of the results of price-list imports.",
    )
    password = serializers.CharField(
        max_length=128, required=False, write_only=True, trim_whitespace=False
    )


class LoginResultSerializer(serializers.Serializer):
    Status = serializers.BooleanField()
    Token = serializers.CharField(help_text="Send it as `Authorization: Token <key>`.")


class UserUpdateResultSerializer(UserDetailsSerializer):
    Status = serializers.BooleanField()
    Token = serializers.CharField(
        required=False,
        help_text="Only after a password change: the new API token; every earlier one "
        "of the user, the one of this request included, no longer works.",
    )

    class Meta(UserDetailsSerializer.Meta):
        fields = ["Status", *UserDetailsSerializer.Meta.fields, "Token"]
        read_only_fields = fields
