"""Envelopes shared by every API: `{"Status": true, ...}` and `{"Status": false, "Errors": ...}`."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.utils import html

from procurement.core.parsing import parse_ids, parse_items

MAX_ITEMS_PER_REQUEST = 500
# Far below what one statement may bind (65,535 parameters on PostgreSQL), so a list of ids
# always fits in its `IN (...)`, with room for the other parameters of the statement.
MAX_IDS_PER_REQUEST = 1000


def validated(serializer_class: type[serializers.Serializer], data) -> dict:
    """The validated data of an input serializer; invalid input raises a 400."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def body_or_query(request):
    """A DELETE's input: its body, or its query string (`?items=12,15`) when the body is empty,
    since not every client can send a body with DELETE."""
    return request.data or request.query_params


# A ModelSerializer that shows model fields under the names the API contract gives them.
# `Meta.api_names` maps a name in `Meta.fields` to the model field behind it (`{"dt":
# "placed_at"}`): the field is built exactly as ModelSerializer builds that model field (type,
# label, help text, read-only), and `Meta.read_only_fields` and `extra_kwargs` name it by its
# API name. (No docstring: the schema would show it as every subclass's description.)
class ContractModelSerializer(serializers.ModelSerializer):
    def build_field(self, field_name, info, model_class, nested_depth):
        model_field_name = getattr(self.Meta, "api_names", {}).get(field_name)
        if model_field_name is None:
            return super().build_field(field_name, info, model_class, nested_depth)
        field_class, field_kwargs = super().build_field(
            model_field_name, info, model_class, nested_depth
        )
        return field_class, {**field_kwargs, "source": model_field_name}


class StatusSerializer(serializers.Serializer):
    Status = serializers.BooleanField()


class CreatedIdSerializer(StatusSerializer):
    id = serializers.IntegerField()


class DeletedCountSerializer(StatusSerializer):
    Deleted = serializers.IntegerField()


class ErrorSerializer(serializers.Serializer):
    Status = serializers.BooleanField(default=False)
    Errors = serializers.JSONField()


_ERROR_DESCRIPTIONS = {
    400: "Bad input",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found, or not yours",
    405: "Method not allowed",
    409: "Conflict with the current state",
    413: "Too large",
    415: "Unsupported media type",
    429: "Throttled",
}


def error_responses(*status_codes: int) -> dict[int, OpenApiResponse]:
    return {
        code: OpenApiResponse(ErrorSerializer, description=_ERROR_DESCRIPTIONS[code])
        for code in status_codes
    }


class FormListField(serializers.Field):
    """A list sent as JSON, as a string holding a JSON array, or as repeated form fields."""

    def get_value(self, dictionary):
        if html.is_html_input(dictionary):
            values = dictionary.getlist(self.field_name)
            if not values:
                return empty
            return values if len(values) > 1 else values[0]
        return dictionary.get(self.field_name, empty)


class ObjectListField(FormListField):
    """A list of objects, each validated by `child_class`; sent as JSON or as a JSON string."""

    child_class: type[serializers.Serializer]

    def to_internal_value(self, data) -> list[dict]:
        try:
            items = parse_items(data)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None
        if not items:
            raise serializers.ValidationError(_("Name at least one item."))
        if len(items) > MAX_ITEMS_PER_REQUEST:
            raise serializers.ValidationError(
                _("At most %(max)d items per request.") % {"max": MAX_ITEMS_PER_REQUEST}
            )
        serializer = self.child_class(data=items, many=True)
        if not serializer.is_valid():
            raise serializers.ValidationError(serializer.errors)
        return serializer.validated_data

    def to_representation(self, value):
        return value


@extend_schema_field(
    {
        "oneOf": [
            {
                "type": "array",
                "items": {"type": "integer", "minimum": 1},
                "minItems": 1,
                "maxItems": MAX_IDS_PER_REQUEST,
            },
            {
                "type": "string",
                "description": f'At most {MAX_IDS_PER_REQUEST} ids separated by commas ("12,15")'
                " or a JSON array",
            },
        ]
    }
)
class IdListField(FormListField):
    def to_internal_value(self, data) -> list[int]:
        try:
            return parse_ids(data, at_most=MAX_IDS_PER_REQUEST)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None

    def to_representation(self, value):
        return value
