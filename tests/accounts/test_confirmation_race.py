"""Two registrations of one address confirmed at the same moment, each on its own database
connection: exactly one account, with the winner's data; the other gets the invalid-token
error. Runs on whichever database the suite runs on (SQLite, then PostgreSQL)."""

import re
import threading

import pytest
from django.core import mail
from django.db import close_old_connections, connection

from procurement.accounts import services
from procurement.accounts.models import Registration, User
from procurement.core.errors import ApplicationError, ErrorCode

pytestmark = pytest.mark.django_db(transaction=True)

ADDRESSES = 5


def token_from(message) -> str:
    return re.search(r"^\s*([A-Za-z0-9_-]{40,})\s*$", message.body, re.MULTILINE).group(1)


def test_two_confirmations_of_one_address_at_once_make_one_account():
    contenders: dict[str, list[tuple[str, str]]] = {}
    for number in range(ADDRESSES):
        email = f"race{number}@example.com"
        for name in ["First", "Second"]:
            services.user_register(
                email=email, password=f"{name}-Passw0rd-{number}", first_name=name, last_name="R"
            )
            # committed, so its email was sent at once (no broker in tests)
            contenders.setdefault(email, []).append((name, token_from(mail.outbox[-1])))
    assert Registration.objects.count() == 2 * ADDRESSES

    outcomes: dict[str, list] = {email: [] for email in contenders}
    crashed: list[BaseException] = []
    start = threading.Barrier(2 * ADDRESSES)

    def confirm(email: str, name: str, token: str) -> None:
        try:
            start.wait()
            services.user_confirm_email(email=email, token=token)
            outcomes[email].append(("won", name))
        except ApplicationError as error:
            outcomes[email].append(("refused", error.code, list(error.field_errors)))
        except BaseException as error:
            crashed.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=confirm, args=(email, name, token))
        for email, registrations in contenders.items()
        for name, token in registrations
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    close_old_connections()

    assert crashed == []  # no deadlock, no "database is locked", no integrity error
    for number, (email, results) in enumerate(outcomes.items()):
        winners = [result[1] for result in results if result[0] == "won"]
        refused = [result[1:] for result in results if result[0] == "refused"]
        assert len(winners) == 1, results
        assert refused == [(ErrorCode.INVALID, ["token"])]
        user = User.objects.get(email=email)
        assert user.is_active
        assert user.first_name == winners[0]
        assert user.check_password(f"{winners[0]}-Passw0rd-{number}")
    assert not Registration.objects.exists()
