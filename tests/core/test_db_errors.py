"""Which database errors are tried again, and which become a 503."""

import pytest
from django.db import IntegrityError, OperationalError, transaction

from procurement.core.db import is_conflict, is_unavailable, retry_on_conflict
from procurement.core.errors import ApplicationError, ErrorCode
from tests.support.database import database_error


def test_deadlock_and_serialization_failure_are_conflicts():
    assert is_conflict(database_error(OperationalError, "40P01"))
    assert is_conflict(database_error(OperationalError, "40001"))
    assert not is_conflict(database_error(IntegrityError, "23505"))
    assert not is_conflict(OperationalError("server closed the connection unexpectedly"))


def test_a_lost_connection_is_unavailable_and_a_conflict_is_not():
    assert is_unavailable(OperationalError("server closed the connection unexpectedly"))
    assert not is_unavailable(database_error(OperationalError, "40P01"))
    assert not is_unavailable(database_error(IntegrityError, "23505"))


@pytest.mark.django_db(transaction=True)
def test_a_conflict_is_tried_again_until_it_succeeds():
    calls = []

    @retry_on_conflict(attempts=3, first_pause=0)
    def work():
        calls.append(1)
        if len(calls) < 3:
            raise database_error(OperationalError, "40P01")
        return "done"

    assert work() == "done"
    assert len(calls) == 3


@pytest.mark.django_db(transaction=True)
def test_conflicts_past_the_attempts_are_a_503():
    @retry_on_conflict(attempts=2, first_pause=0)
    def work():
        raise database_error(OperationalError, "40001")

    with pytest.raises(ApplicationError) as raised:
        work()
    assert raised.value.code == ErrorCode.UNAVAILABLE


@pytest.mark.django_db(transaction=True)
def test_other_errors_and_conflicts_inside_an_outer_transaction_go_up_unchanged():
    calls = []

    @retry_on_conflict(attempts=3, first_pause=0)
    def work(error):
        calls.append(1)
        raise error

    with pytest.raises(IntegrityError):
        work(database_error(IntegrityError, "23505"))
    with pytest.raises(OperationalError), transaction.atomic():
        work(database_error(OperationalError, "40P01"))
    assert len(calls) == 2
