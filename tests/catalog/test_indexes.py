"""Every index of the catalog's big tables is written by every new row a price list brings,
so none may repeat another; and every lookup by a foreign key stays served by an index."""

import pytest
from django.db import connection
from django.db.models import Model, QuerySet

from procurement.catalog.models import Offer, OfferParameter, Product
from tests.support.factories import OfferFactory, OfferParameterFactory

pytestmark = pytest.mark.django_db

TABLES = [Offer, OfferParameter, Product]


def full_indexes(model: type[Model]) -> dict[str, tuple[list[str], bool]]:
    """name → (columns, unique) of the table's indexes and unique constraints that cover
    every row (partial indexes, which leave rows out, are declared with a condition)."""
    partial = {index.name for index in model._meta.indexes if index.condition is not None}
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {
        name: (info["columns"], info["unique"])
        for name, info in constraints.items()
        if (info["index"] or info["unique"]) and info["columns"] and name not in partial
    }


@pytest.mark.parametrize("model", TABLES, ids=lambda model: model.__name__)
def test_no_index_repeats_the_leading_columns_of_another(model):
    indexes = full_indexes(model)
    redundant = [
        (name, other)
        for name, (columns, unique) in indexes.items()
        for other, (other_columns, _unique) in indexes.items()
        if name != other and not unique and other_columns[: len(columns)] == columns
    ]
    assert redundant == []


def uses_an_index(queryset: QuerySet) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Tables this small are cheaper to scan whole; the question is whether an index
            # could serve the lookup at all.
            cursor.execute("SET LOCAL enable_seqscan = off")
    plan = queryset.explain()
    if connection.vendor == "postgresql":
        return "Seq Scan" not in plan
    return all(not line.lstrip(" |-`").startswith("SCAN") for line in plan.splitlines())


def test_lookups_by_foreign_key_use_an_index():
    value = OfferParameterFactory()
    offer = value.offer
    OfferFactory(shop=offer.shop, product=offer.product, is_withdrawn=True)
    lookups = {
        "offers of a shop": Offer.objects.filter(shop_id=offer.shop_id),
        "offers of a product, withdrawn ones too": Offer.objects.filter(
            product_id=offer.product_id
        ),
        "parameter values of an offer": OfferParameter.objects.filter(offer_id=offer.pk),
        "values of a parameter": OfferParameter.objects.filter(parameter_id=value.parameter_id),
        "products of a category": Product.objects.filter(category_id=offer.product.category_id),
    }
    assert {name: uses_an_index(queryset) for name, queryset in lookups.items()} == dict.fromkeys(
        lookups, True
    )
