"""What the APIs' serializers share: the envelopes (`{"Status": true, ...}` and
`{"Status": false, "Errors": ...}`), lists sent as JSON or forms, model fields under the
contract's names, and serializer output made from rows."""

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.relations import PKOnlyObject, RelatedField
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


# The query-string form of a DELETE's `items` (see body_or_query).
ITEMS_QUERY_PARAMETER = OpenApiParameter(
    "items",
    str,
    description="The ids as in the body, separated by commas (`12,15`), for clients that "
    "cannot send a body with DELETE; read when the body is empty.",
    pattern=r"^\d+(,\d+)*,?$",
)


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
    # What some refusals add, so that a client can act on it without parsing the message.
    lines = serializers.JSONField(
        required=False,
        help_text="A 409 about basket or order lines: the lines concerned, by id; for a "
        "shortage each line's id, product_info, requested and available.",
    )
    shops = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="A 409 placing an order: the names of the shops that do not accept orders now.",
    )
    total_sum = serializers.CharField(
        required=False,
        help_text="A 409 placing an order: the sum the order would come to, more than one holds.",
    )


ERROR_DESCRIPTIONS = {
    400: "Bad input",
    401: "Not authenticated: no token, or a token that is wrong, expired or revoked",
    403: "Not allowed",
    404: "Not found, or not yours",
    405: "Method not allowed",
    406: "Not acceptable: the Accept header admits none of the answer's media types",
    409: "Conflict with the current state",
    413: "Too large",
    415: "Unsupported media type",
    429: "Throttled",
    503: "Unavailable",
}


def error_responses(*status_codes: int) -> dict[int, OpenApiResponse]:
    return {
        code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
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


@dataclass(frozen=True, slots=True)
class _Value:
    name: str
    field: serializers.Field
    column: str


@dataclass(frozen=True, slots=True)
class _Nested:
    name: str
    parts: list["_Part"]


@dataclass(frozen=True, slots=True)
class _List:
    name: str
    shape: "RowShape"


_Part = _Value | _Nested | _List


class RowShape:
    """A serializer's output made from `QuerySet.values()` rows instead of model objects.

    The serializer stays the one definition of the shape: `columns` are its fields' sources
    (a nested serializer's joined with `__`), and each value goes through its field's own
    `to_representation`, so a row gives exactly what the serializer gives for the object.
    A nested list (`many=True`) is read separately: `lists[name]` is the RowShape of its
    child, and the caller passes the child rows to `represent`. A nested object must not be
    null; computed fields (SerializerMethodField, `source="*"`) cannot come from a row.
    """

    def __init__(self, serializer_class: type[serializers.Serializer]):
        self._serializer_class = serializer_class

    @cached_property
    def _parts(self) -> list[_Part]:
        return _parts_of(self._serializer_class(), prefix="")

    @cached_property
    def columns(self) -> list[str]:
        return _columns_of(self._parts)

    @cached_property
    def lists(self) -> dict[str, "RowShape"]:
        return {part.name: part.shape for part in self._parts if isinstance(part, _List)}

    def represent(self, row: dict, **child_rows: list[dict]) -> dict:
        """The serializer's output for `row`; `child_rows` holds the rows of each nested list."""
        return _represent(self._parts, row, child_rows)


def _parts_of(serializer: serializers.Serializer, prefix: str) -> list[_Part]:
    parts: list[_Part] = []
    for name, field in serializer.fields.items():
        if field.write_only:
            continue
        if isinstance(field, serializers.ListSerializer):
            if prefix:
                raise TypeError(f"{name}: a nested list inside a nested object")
            if not isinstance(field.child, serializers.Serializer):
                raise TypeError(f"{name}: a list of values, not of objects")
            parts.append(_List(name, RowShape(type(field.child))))
        elif isinstance(field, serializers.Serializer) and field.source != "*":
            nested_prefix = f"{prefix}{'__'.join(field.source_attrs)}__"
            parts.append(_Nested(name, _parts_of(field, prefix=nested_prefix)))
        elif isinstance(field, serializers.SerializerMethodField) or field.source == "*":
            raise TypeError(f"{name}: a computed field cannot come from a row")
        else:
            parts.append(_Value(name, field, prefix + "__".join(field.source_attrs)))
    return parts


def _columns_of(parts: list[_Part]) -> list[str]:
    columns = []
    for part in parts:
        if isinstance(part, _Value):
            columns.append(part.column)
        elif isinstance(part, _Nested):
            columns.extend(_columns_of(part.parts))
    return columns


def _represent(parts: list[_Part], row: dict, child_rows: dict[str, list[dict]]) -> dict:
    represented: dict[str, Any] = {}
    for part in parts:
        if isinstance(part, _Nested):
            represented[part.name] = _represent(part.parts, row, {})
        elif isinstance(part, _List):
            represented[part.name] = [
                part.shape.represent(child) for child in child_rows[part.name]
            ]
        elif (value := row[part.column]) is None:
            represented[part.name] = None
        elif isinstance(part.field, RelatedField) and part.field.use_pk_only_optimization():
            represented[part.name] = part.field.to_representation(PKOnlyObject(pk=value))
        else:
            represented[part.name] = part.field.to_representation(value)
    return represented
