"""How background work is started: every task is handed over here, after the transaction commits.

With CELERY_BROKER_URL set the task goes through the broker to a worker; without it the
task runs in this process. The code path is otherwise the same.
"""

import logging
from functools import partial

from celery import Task
from django.conf import settings
from django.db import transaction

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
