"""Database errors that are nobody's fault: a conflict worth trying again, or a database away.

A deadlock or a serialization failure rolls the transaction back whole, so the work can
simply be done again; `retry_on_conflict` does that a few times and then answers 503. A
database that restarts, fails over, takes no writes for a while or (SQLite) stays locked
past the busy time-out is "unavailable": the request is answered 503 with Retry-After, never 500.
(docs/architecture.md: Transactions and locks)
"""

import logging
import random
import time
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.utils.translation import gettext as _

from procurement.core.errors import ApplicationError, ErrorCode

logger = logging.getLogger(__name__)

# SQLSTATE: serialization_failure, deadlock_detected.
CONFLICT_SQLSTATES = frozenset({"40001", "40P01"})
# SQLSTATE read_only_sql_transaction: a write on a database that takes none now.
READ_ONLY_SQLSTATE = "25006"

P = ParamSpec("P")
R = TypeVar("R")


def sqlstate_of(error: BaseException) -> str | None:
    """The SQLSTATE of a PostgreSQL error wrapped by Django, if any."""
    cause = error.__cause__ or error
    return getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)


def is_conflict(error: BaseException) -> bool:
    """A deadlock or serialization failure: the transaction was rolled back; try it again."""
    return isinstance(error, DatabaseError) and sqlstate_of(error) in CONFLICT_SQLSTATES


def is_unavailable(error: BaseException) -> bool:
    """The database could not be reached, dropped the connection, stayed locked, or takes
    no writes (a primary demoted by a failover, a standby taken for the primary)."""
    if isinstance(error, DatabaseError) and sqlstate_of(error) == READ_ONLY_SQLSTATE:
        return True
    return isinstance(error, OperationalError | InterfaceError) and not is_conflict(error)


def busy_error() -> ApplicationError:
    return ApplicationError(
        ErrorCode.UNAVAILABLE, _("The service is busy; please try again in a moment.")
    )


def unavailable_error() -> ApplicationError:
    return ApplicationError(
        ErrorCode.UNAVAILABLE,
        _("The service is temporarily unavailable; please try again in a moment."),
    )


def as_application_error(error: BaseException) -> ApplicationError | None:
    """The 503 a database error that is nobody's fault is answered with; None for the others.

    A conflict that reaches a view was not retried (or ran out of attempts): busy. A
    database away (restart, failover, SQLite locked past its time-out): unavailable.
    """
    if is_conflict(error):
        return busy_error()
    if is_unavailable(error):
        return unavailable_error()
    return None


def retry_on_conflict(
    attempts: int = 3, first_pause: float = 0.05
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run the decorated function (which opens its own transaction) again after a deadlock
    or serialization failure; after `attempts` of them raise a 503 ApplicationError.

    Inside an outer transaction nothing can be retried (the outer one is aborted too), so
    the error goes up unchanged.
    """

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @wraps(function)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            for attempt in range(1, attempts + 1):
                try:
                    return function(*args, **kwargs)
                except DatabaseError as error:
                    if not is_conflict(error) or connection.in_atomic_block:
                        raise
                    logger.warning(
                        "%s: %s (attempt %d of %d)", function.__qualname__, error, attempt, attempts
                    )
                    if attempt == attempts:
                        raise busy_error() from error
                    time.sleep(first_pause * 2 ** (attempt - 1) * (0.5 + random.random()))  # noqa: S311
            raise AssertionError("unreachable")

        return run

    return decorate
