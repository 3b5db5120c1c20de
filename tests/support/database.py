"""The database as tests look at it: errors as Django raises them, backends waiting for locks."""

from django.db import DatabaseError, connection


class _DriverError(Exception):
    """A driver's error carrying its SQLSTATE, as psycopg's do."""

    def __init__(self, sqlstate: str):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def database_error(error_class: type[DatabaseError], sqlstate: str) -> DatabaseError:
    """A `error_class` (OperationalError, IntegrityError…) raised from a driver error with
    `sqlstate`, as Django wraps the errors of PostgreSQL."""
    try:
        raise error_class("from the database") from _DriverError(sqlstate)
    except error_class as error:
        return error


def lock_waiters(*, besides: int = 0) -> int:
    """How many PostgreSQL backends, other than this test's and the one of pid `besides`
    (a connection the test holds locks with), wait for a lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND pid NOT IN (pg_backend_pid(), %s)",
            [besides],
        )
        return cursor.fetchone()[0]
