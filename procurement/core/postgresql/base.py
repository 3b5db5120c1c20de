"""Django's PostgreSQL backend, for statements whose parameters the server binds.

Bound by the server (settings: DATABASE_PREPARED_STATEMENTS), a statement may carry at most
65,535 parameters, which Django's PostgreSQL backend does not know: here bulk inserts and
updates and the deletes that cascade split their rows into batches, as on SQLite.

After a few runs a prepared statement gets one plan for any values: right for lookups by
key, wrong for a LIKE search, whose best plan depends on how common the word is (one plan
for all made the catalog's searches for both a rare and a common word slower). Statements
with LIKE are therefore planned for their values every time.
(docs/architecture.md: The PostgreSQL backend, and why)
"""

from django.db.backends.postgresql import base, features, operations
from django.db.models import CompositePrimaryKey

MAX_QUERY_PARAMS = 2**16 - 1


class DatabaseFeatures(features.DatabaseFeatures):
    max_query_params = MAX_QUERY_PARAMS


class DatabaseOperations(operations.DatabaseOperations):
    def bulk_batch_size(self, fields, objs):
        columns = sum(
            len(field.fields) if isinstance(field, CompositePrimaryKey) else 1 for field in fields
        )
        if not columns:
            return len(objs)
        # Twice the columns: bulk_update binds two parameters per field and row (CASE WHEN).
        return max(1, min(len(objs), MAX_QUERY_PARAMS // (2 * columns)))


# Django's cursor for server-side binding (psycopg 3), which its stubs do not declare.
class ServerBindingCursor(base.ServerBindingCursor):  # type: ignore[name-defined]
    def execute(self, query, params=None, *, prepare=None, **kwargs):
        if prepare is None and isinstance(query, str) and " LIKE " in query:
            prepare = False
        return super().execute(query, params, prepare=prepare, **kwargs)


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
    ops_class = DatabaseOperations

    def get_connection_params(self):
        params = super().get_connection_params()
        # (the same cursor of Django's, undeclared in its stubs)
        if params["cursor_factory"] is base.ServerBindingCursor:  # type: ignore[attr-defined]
            params["cursor_factory"] = ServerBindingCursor
        return params
