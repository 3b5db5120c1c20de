"""Django's PostgreSQL backend with the protocol's limit of 65,535 parameters per statement.

Bound by the server (settings: DATABASE_PREPARED_STATEMENTS), a statement may carry at most
that many parameters; Django's PostgreSQL backend knows no limit. With it, bulk inserts and
updates and the deletes that cascade split their rows into batches, as on SQLite.
"""

from itertools import chain

from django.db.backends.postgresql import base, features, operations

MAX_QUERY_PARAMS = 2**16 - 1


class DatabaseFeatures(features.DatabaseFeatures):
    max_query_params = MAX_QUERY_PARAMS


class DatabaseOperations(operations.DatabaseOperations):
    def bulk_batch_size(self, fields, objs):
        columns = len(
            list(chain.from_iterable(getattr(field, "fields", None) or [field] for field in fields))
        )
        if not columns:
            return len(objs)
        # Twice the columns: bulk_update binds two parameters per field and row (CASE WHEN).
        return max(1, min(len(objs), MAX_QUERY_PARAMS // (2 * columns)))


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
    ops_class = DatabaseOperations
