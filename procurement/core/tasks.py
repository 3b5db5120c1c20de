"""How background work is started: every task is handed over here, after the transaction commits."""

import logging
from collections.abc import Callable
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)


def run_after_commit(task: Callable[..., object], *args: object) -> None:
    """Run `task(*args)` once the current transaction commits (at once outside a transaction).

    Without a broker the task runs in this process; a failure is logged and never
    reaches the request that caused it.
    """
    transaction.on_commit(partial(_run_in_process, task, args))


def _run_in_process(task: Callable[..., object], args: tuple) -> None:
    try:
        task(*args)
    except Exception:
        logger.exception("task %s%r failed", getattr(task, "__name__", task), args)
