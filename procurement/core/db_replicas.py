"""Read replicas: the public catalog reads go to a healthy streaming replica.

Only a view that opts in (`ReplicaReadsMixin`: the public catalog) reads from a replica,
and only for an anonymous client's GET: a signed-in user may have just changed what they
read (stock taken by their order, a supplier's import), and everything else (baskets,
orders, accounts, partner endpoints, tokens, every write) stays on the primary, so nobody
reads their own write stale. One request reads from one server, so a page and its count
agree.

A replica is used only while it is healthy: reachable, and replaying no more than
REPLICA_MAX_LAG_SECONDS behind the primary. Health is checked with one small query per
replica at most every CHECK_INTERVAL_SECONDS per process, not per request. A replica that
fails in the middle of a request is marked down and the request is answered from the
primary, never with an error.
"""

import logging
import random
import time
from contextvars import ContextVar, Token
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response

from procurement.core.db import is_unavailable

logger = logging.getLogger(__name__)

CHECK_INTERVAL_SECONDS = 2.0

# How far the replica's replay is behind: 0 when it has replayed all the WAL it received
# (nothing written on the primary since is waiting), else the age of the last transaction
# it replayed. NULL when it cannot tell (nothing replayed yet).
LAG_QUERY = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
END
"""

# alias → (monotonic time of the check, healthy)
_health: dict[str, tuple[float, bool]] = {}

# The database the catalog reads of the current request go to; None: the primary.
_read_alias: ContextVar[str | None] = ContextVar("replica_read_alias", default=None)


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica_")]


def replica_lag(alias: str) -> float | None:
    """Seconds the replica's replay is behind; None when it cannot tell."""
    with connections[alias].cursor() as cursor:
        cursor.execute(LAG_QUERY)
        (lag,) = cursor.fetchone()
    return None if lag is None else float(lag)


def _check(alias: str) -> bool:
    try:
        lag = replica_lag(alias)
    except DatabaseError as error:
        logger.warning("replica %s skipped: %s", alias, error)
        connections[alias].close()
        return False
    if lag is None or lag > settings.REPLICA_MAX_LAG_SECONDS:
        logger.warning("replica %s skipped: %s s behind", alias, lag)
        return False
    return True


def is_healthy(alias: str) -> bool:
    """Whether the replica may serve reads, from a check at most CHECK_INTERVAL_SECONDS old."""
    now = time.monotonic()
    checked = _health.get(alias)
    if checked is not None and now - checked[0] < CHECK_INTERVAL_SECONDS:
        return checked[1]
    healthy = _check(alias)
    _health[alias] = (time.monotonic(), healthy)
    return healthy


def mark_down(alias: str) -> None:
    """The replica failed a query: skip it until its next check."""
    _health[alias] = (time.monotonic(), False)
    connections[alias].close()


def healthy_replica() -> str | None:
    """A healthy replica's alias, chosen at random among them; None: read the primary."""
    aliases = replica_aliases()
    random.shuffle(aliases)
    return next((alias for alias in aliases if is_healthy(alias)), None)


def read_alias() -> str | None:
    """The replica the current request reads from, if any."""
    return _read_alias.get()


class ReplicaRouter:
    """Reads go where the current request was sent (a replica, for the public catalog), or
    to the primary; writes and migrations always to the primary."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        return _read_alias.get()

    def db_for_write(self, model: type, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # replicas hold the primary's rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


class ReplicaReadsMixin:
    """For a DRF view of public data: an anonymous client's GET reads from a healthy replica.

    Authentication runs first, on the primary (a token made a moment ago is found); a
    replica that fails during the request is marked down and the request runs again on
    the primary.
    """

    _replica_token: Token | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if request.method in SAFE_METHODS and not request.user.is_authenticated:
            alias = healthy_replica()
            if alias is not None:
                self._replica_token = _read_alias.set(alias)

    def handle_exception(self, exc: Exception) -> Response:
        alias = _read_alias.get()
        if alias is not None and self._replica_token is not None and is_unavailable(exc):
            logger.warning("replica %s failed, reading the primary: %s", alias, exc)
            mark_down(alias)
            self._release_replica()
            request = self.request  # type: ignore[attr-defined]
            handler = getattr(self, request.method.lower())
            try:
                return handler(request, *self.args, **self.kwargs)  # type: ignore[attr-defined]
            except Exception as again:
                exc = again
        return super().handle_exception(exc)  # type: ignore[misc]

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        # Whatever happens, the next request served by this thread starts on the primary.
        try:
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        finally:
            self._release_replica()

    def _release_replica(self) -> None:
        if self._replica_token is not None:
            _read_alias.reset(self._replica_token)
            self._replica_token = None
