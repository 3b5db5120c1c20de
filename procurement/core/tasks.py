"""How background work is started: every task is handed over here, after the transaction commits.

With CELERY_BROKER_URL set the task goes through the broker to a worker; without it the
task runs in this process. The code path is otherwise the same.
"""

import logging
from collections.abc import Callable
from functools import partial, wraps
from typing import ParamSpec, TypeVar

from celery import Task
from django.conf import settings
from django.db import DatabaseError, transaction

from procurement.core.db import is_unavailable

logger = logging.getLogger(__name__)


def run_after_commit(task: Task, *args: object) -> None:
    """Start `task(*args)` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(partial(_start, task, args))


def _start(task: Task, args: tuple) -> None:
    if settings.CELERY_BROKER_URL:
        try:
            task.apply_async(args=args)
        except Exception:
            # The change is committed; the job row or outbound email records what is pending.
            logger.exception("could not queue task %s%r", task.name, args)
        return
    try:
        task(*args)
    except Exception:
        logger.exception("task %s%r failed", task.name, args)


P = ParamSpec("P")
R = TypeVar("R")


def periodic(function: Callable[P, R]) -> Callable[P, R | None]:
    """A periodic task's body (Celery beat): while the database is away it logs one line
    and leaves the work to the next run, which finds it all in the database; a traceback
    every few seconds of an outage would only bury what is worth reading."""

    @wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R | None:
        try:
            return function(*args, **kwargs)
        except DatabaseError as error:
            if not is_unavailable(error):
                raise
            logger.warning(
                "%s: the database is unavailable; left to the next run", function.__name__
            )
            return None

    return run
