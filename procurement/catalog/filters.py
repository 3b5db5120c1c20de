"""Query-string filters of the catalog lists; every malformed value is a 400, never a guess."""

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.widgets import CSVWidget
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema_field

from procurement.catalog.models import MONEY, Category, Offer, open_for_orders
from procurement.catalog.search import search_words
from procurement.core.parsing import MAX_ID

MAX_SEARCH_LENGTH = 200


ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
PRICE_SCHEMA = {"type": "string", "format": "decimal", "pattern": r"^\d{1,10}(\.\d{1,2})?$"}
BOOLEAN_SCHEMA = {"type": "boolean"}


def documented(filter_: filters.Filter, schema: dict) -> filters.Filter:
    """Give a filter an explicit OpenAPI schema, keeping its label as the description."""
    # drf-spectacular reads the schema of a filter as of a field; its stub types only those.
    mark = extend_schema_field({**schema, "description": filter_.label})
    return mark(filter_)  # type: ignore[type-var]


class IdFilter(filters.NumberFilter):
    """An id within the database's bigint range: larger numbers are refused, not overflowed."""

    # An integer, not NumberFilter's decimal (whose stub allows no other field).
    field_class = forms.IntegerField  # type: ignore[assignment]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class PriceFilter(filters.NumberFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=0, **MONEY, **kwargs)


class StrictBooleanField(forms.Field):
    """`true`/`false` (or `1`/`0`, any case); anything else is an error rather than "no filter"."""

    VALUES = {"true": True, "1": True, "false": False, "0": False}
    default_error_messages = {"invalid": _("Must be true or false.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.VALUES[str(value).strip().lower()]
        except KeyError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class StrictBooleanFilter(filters.Filter):
    field_class = StrictBooleanField


class RepeatableCSVWidget(CSVWidget):
    """`?ordering=-price&ordering=name` reads as `?ordering=-price,name` instead of keeping
    only the last value."""

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist") and len(data.getlist(name)) > 1:
            data = {name: ",".join(data.getlist(name))}
        return super().value_from_datadict(data, files, name)


class StableOrderingFilter(filters.OrderingFilter):
    """The requested ordering, then id: equal prices or names never swap places between pages.

    One parameter, keys separated by commas (`-price,name`); an unknown key is a 400.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, widget=RepeatableCSVWidget, **kwargs)

    def parameter(self, *, example: str) -> OpenApiParameter:
        """The OpenAPI parameter: one string, as generated clients send it (an array would
        go out as the parameter repeated)."""
        keys = "|".join(re.escape(key) for key in self.param_map or {})
        return OpenApiParameter(
            str(self.field_name),
            {"type": "string", "pattern": rf"^-?({keys})(,-?({keys}))*$"},
            description=str(self.label),
            examples=[OpenApiExample(example, value=example)],
        )

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.order_by(*(self.get_ordering_value(param) for param in value), "id")


class CategoryFilter(filters.FilterSet):
    shop_id = documented(
        IdFilter(
            method="filter_shop",
            label=_("Only the categories of this shop (a shop that accepts orders)."),
        ),
        ID_SCHEMA,
    )

    class Meta:
        model = Category
        fields: list[str] = []

    def filter_shop(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        # One filter() call: both conditions apply to the same shop row of the join.
        return queryset.filter(open_for_orders("shops__"), shops__id=value)


class OfferFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        low, high = cleaned.get("price_min"), cleaned.get("price_max")
        if low is not None and high is not None and low > high:
            raise ValidationError(
                {"price_max": _("Must not be less than price_min.")}, code="invalid"
            )
        return cleaned


class OfferFilter(filters.FilterSet):
    shop_id = documented(
        IdFilter(field_name="shop_id", label=_("Only the offers of this shop.")), ID_SCHEMA
    )
    category_id = documented(
        IdFilter(field_name="product__category_id", label=_("Only the offers in this category.")),
        ID_SCHEMA,
    )
    search = filters.CharFilter(
        method="filter_search",
        max_length=MAX_SEARCH_LENGTH,
        label=_(
            "Words to find in the product name, model or parameter values, case-insensitively; "
            "every word must match."
        ),
    )
    price_min = documented(
        PriceFilter(field_name="price", lookup_expr="gte", label=_("Lowest price.")),
        PRICE_SCHEMA,
    )
    price_max = documented(
        PriceFilter(field_name="price", lookup_expr="lte", label=_("Highest price.")),
        PRICE_SCHEMA,
    )
    in_stock = documented(
        StrictBooleanFilter(
            method="filter_in_stock",
            label=_(
                "true: only offers with a quantity above zero; false: only offers out of stock; "
                "omitted: both."
            ),
        ),
        BOOLEAN_SCHEMA,
    )
    ordering = StableOrderingFilter(
        fields=(("price", "price"), ("product__name", "name")),
        label=_(
            "Keys separated by commas, each price or name, with a minus for descending "
            "(-price,name); by id when omitted."
        ),
    )

    class Meta:
        model = Offer
        fields: list[str] = []
        form = OfferFilterForm

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # search_text is folded when written, so a plain (index-friendly) LIKE matches any case;
        # `contains` escapes % and _, so they match themselves.
        for word in search_words(value):
            queryset = queryset.filter(search_text__contains=word)
        return queryset

    def filter_in_stock(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(quantity__gt=0) if value else queryset.filter(quantity=0)
