"""Many rows in one statement: the rows travel as one JSON array parameter.

PostgreSQL reads it with jsonb_array_elements, SQLite with json_each, so the number of
statements does not grow with the number of rows and the same SQL serves both databases.
Table names come from the models and column types from their fields; values are always
parameters.
"""

import json
from collections.abc import Sequence
from decimal import Decimal

from django.db import connection, models


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def sql_type(field: models.Field) -> str:
    """The type a JSON value is cast to for `field`'s column. Text stays unbounded, so a value
    too long for its column fails the statement instead of being cut short by the cast."""
    if isinstance(field, models.CharField | models.TextField):
        return "text"
    # Field.cast_db_type is Django's (CAST for the field's column), absent from its stubs.
    return field.cast_db_type(connection)  # type: ignore[attr-defined]


def json_rows(columns: Sequence[tuple[str, str]]) -> str:
    """A subquery exposing `columns` (name, SQL type) of the rows passed as one JSON parameter."""
    if connection.vendor == "postgresql":
        source = "jsonb_array_elements(CAST(%s AS jsonb)) AS j(value)"
    else:
        source = "json_each(%s) AS j"
    select = ", ".join(
        f"CAST(j.value ->> {index} AS {type_}) AS {name}"
        for index, (name, type_) in enumerate(columns)
    )
    return f"(SELECT {select} FROM {source})"  # noqa: S608 - names and types, no values


def _exact(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)  # as written, never through a float
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def as_json(values: Sequence[Sequence]) -> str:
    """The parameter `json_rows()` reads: one JSON array per row, in the order of its columns."""
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"), default=_exact)
