"""Many rows in one statement: the rows travel as one JSON array parameter.

PostgreSQL reads it with jsonb_array_elements, SQLite with json_each, so the number of
statements does not grow with the number of rows and the same SQL serves both databases.
Table names come from the models and column types from their fields; values are always
parameters.

New rows by the hundred thousand go to PostgreSQL by COPY instead (`copy_rows`): no JSON
document for the server to parse and take apart, and rows stored a page at a time.
"""

import json
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db import connection, models
from django.db.backends.utils import CursorWrapper


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


def copies_rows() -> bool:
    """Whether `copy_rows` and `next_ids` serve this database (PostgreSQL)."""
    return connection.vendor == "postgresql"


def check_constraints_at_once(cursor: CursorWrapper) -> None:
    """Check the foreign keys of this transaction's rows at each statement from now on, not
    all at its commit (Django declares them deferred on PostgreSQL): a bulk write stored in
    parts then has each part checked while the next is still being prepared."""
    if connection.vendor == "postgresql":
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def next_ids(cursor: CursorWrapper, model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys from the table's own sequence, ascending, in one statement."""
    # The sequence is looked up once: pg_get_serial_sequence() in the select list would run
    # for every id, and cost more than nextval() itself.
    cursor.execute(
        "WITH s AS MATERIALIZED (SELECT CAST(pg_get_serial_sequence(%s, %s) AS regclass) AS seq) "
        "SELECT nextval(s.seq) FROM s, generate_series(1, %s)",
        [model._meta.db_table, model._meta.pk.column, count],
    )
    return sorted(row[0] for row in cursor.fetchall())


def copy_rows(
    cursor: CursorWrapper,
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence],
) -> None:
    """Insert `rows` (values in the order of `columns`) with COPY, on PostgreSQL: constraints,
    triggers and indexes apply as to an INSERT, and a value too long for its column fails
    the statement as it would. Errors are Django's, as from `cursor.execute`."""
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    statement = f"COPY {table(model)} ({names}) FROM STDIN"
    with connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
