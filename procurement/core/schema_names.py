"""Database object names that follow their table and columns when these are renamed.

Renaming a table or a column keeps the names the database gave its primary key, foreign
keys, checks, indexes and id sequence, so they would go on naming a table or a column that
no longer exists (`<old table>_shop_id_…`). `rename_to_current_names` gives them
the names the same table, created today under its current name, would get. Only what the
database or Django named from a field is renamed: the primary key, a foreign key, a field's
check (a positive number) or unique constraint, and a field's own index (`db_index`, which a
foreign key has); indexes and constraints with names of their own (`Meta.indexes`,
`Meta.constraints`, the trigram index) keep them. Only migrations call it, with their
historical models.
"""

from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def rename_to_current_names(schema_editor: BaseDatabaseSchemaEditor, model) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _rename_postgresql(schema_editor, model)
    elif vendor == "sqlite":
        _rename_sqlite(schema_editor, model)
    else:
        raise NotImplementedError(f"no object renames for {vendor}")


def _named_by_model(model) -> set[str]:
    return {item.name for item in [*model._meta.indexes, *model._meta.constraints]}


def _field_of(model, columns: list[str]):
    """The field of a one-column object, or None."""
    if len(columns) != 1:
        return None
    return next(
        (field for field in model._meta.concrete_fields if field.column == columns[0]), None
    )


def _constraint_name(schema_editor, model, kind: str, columns: list[str]) -> str | None:
    """The name a table created today gives a constraint of `kind` (pg_constraint.contype)."""
    table = model._meta.db_table
    if kind == "p":
        return f"{table}_pkey"
    field = _field_of(model, columns)
    if field is None:
        return None
    connection = schema_editor.connection
    if kind == "f" and field.remote_field is not None:
        target = field.target_field
        return schema_editor._create_index_name(
            table, columns, suffix=f"_fk_{target.model._meta.db_table}_{target.column}"
        )
    if kind == "c" and field.db_parameters(connection)["check"]:
        return f"{table}_{field.column}_check"
    if kind == "u" and field.unique and not field.primary_key:
        return f"{table}_{field.column}_key"
    return None


def _index_name(schema_editor, model, name: str, columns: list[str]) -> str | None:
    """The name a table created today gives a field's own index."""
    field = _field_of(model, columns)
    if field is None or not field.db_index or name in _named_by_model(model):
        return None
    suffix = "_like" if name.endswith("_like") else ""
    return schema_editor._create_index_name(model._meta.db_table, columns, suffix=suffix)


def _rename_postgresql(schema_editor, model) -> None:
    table = model._meta.db_table
    quote = schema_editor.quote_name
    explicit = _named_by_model(model)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.conname, c.contype, array_agg(a.attname ORDER BY a.attnum) "
            "FROM pg_constraint AS c "
            "JOIN pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) "
            "WHERE c.conrelid = %s::regclass GROUP BY c.conname, c.contype",
            [table],
        )
        constraints = cursor.fetchall()
        # Plain b-tree indexes that back no constraint (a field's own index is one).
        cursor.execute(
            "SELECT index.relname, array_agg(a.attname ORDER BY a.attnum) "
            "FROM pg_index AS i JOIN pg_class AS index ON index.oid = i.indexrelid "
            "JOIN pg_am AS am ON am.oid = index.relam "
            "JOIN pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) "
            "WHERE i.indrelid = %s::regclass AND am.amname = 'btree' AND i.indpred IS NULL "
            "AND NOT EXISTS (SELECT FROM pg_constraint AS c WHERE c.conindid = i.indexrelid) "
            "GROUP BY index.relname",
            [table],
        )
        indexes = cursor.fetchall()
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        (sequence,) = cursor.fetchone()

    for name, kind, columns in constraints:
        wanted = None if name in explicit else _constraint_name(schema_editor, model, kind, columns)
        if wanted is not None and wanted != name:
            schema_editor.execute(
                f"ALTER TABLE {quote(table)} RENAME CONSTRAINT {quote(name)} TO {quote(wanted)}"
            )
    for name, columns in indexes:
        wanted = _index_name(schema_editor, model, name, columns)
        if wanted is not None and wanted != name:
            schema_editor.execute(f"ALTER INDEX {quote(name)} RENAME TO {quote(wanted)}")
    if sequence is not None:
        wanted = f"{table}_id_seq"
        if sequence.split(".")[-1].strip('"') != wanted:
            schema_editor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {quote(wanted)}")


def _rename_sqlite(schema_editor, model) -> None:
    """SQLite names only indexes (its constraints live in the table's definition, which a
    rename rewrites), and cannot rename one: it is made again under its new name."""
    table = model._meta.db_table
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
            [table],
        )
        indexes = cursor.fetchall()
        renames = []
        for name, sql in indexes:
            cursor.execute(f"PRAGMA index_info({quote(name)})")
            columns = [column for _rank, _cid, column in cursor.fetchall()]
            wanted = _index_name(schema_editor, model, name, columns)
            if wanted is not None and wanted != name:
                renames.append((name, wanted, sql))
    for name, wanted, sql in renames:
        schema_editor.execute(f"DROP INDEX {quote(name)}")
        schema_editor.execute(sql.replace(quote(name), quote(wanted), 1))
