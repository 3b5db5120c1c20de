"""What the import contracts (import-linter, in `make lint`) cannot see: each email is
registered and templated by the app that sends it, and views reach the data only through
selectors and services."""

import ast
from pathlib import Path

import pytest
from django.template.loader import get_template

from procurement.notifications.models import OutboundEmail
from procurement.notifications.rendering import (
    SharedReads,
    registered_events,
    secret_events,
    write_email,
)

PROCUREMENT = Path(__file__).resolve().parents[2] / "procurement"


@pytest.mark.parametrize(
    ("event", "app"),
    [
        ("registration_confirmation", "accounts"),
        ("registration_attempt", "accounts"),
        ("password_reset", "accounts"),
        ("order_confirmation", "orders"),
        ("order_invoice_admin", "orders"),
        ("order_invoice_supplier", "orders"),
        ("order_state_changed", "orders"),
    ],
)
def test_each_email_is_registered_and_templated_by_its_own_app(event, app):
    assert event in registered_events()
    for part in ("subject.txt", "body.txt", "body.html"):
        origin = Path(get_template(f"emails/{event}_{part}").origin.name)
        assert origin.is_relative_to(PROCUREMENT / app / "templates" / "emails"), origin


def test_the_emails_that_carry_a_token_are_those_accounts_registered_as_secret():
    assert secret_events() == {"registration_confirmation", "password_reset"}


def test_the_outbox_writes_only_the_events_an_app_registered():
    email = OutboundEmail(event="no_such_event", to="a@example.com", language="en", params={})
    with pytest.raises(LookupError, match="no_such_event"):
        write_email(email, SharedReads())
    assert email.subject == ""


def test_views_read_and_write_through_selectors_and_services():
    views = [*PROCUREMENT.glob("*/api/views.py"), *PROCUREMENT.glob("web/views/*.py")]
    assert any(path.parent.name == "views" for path in views)
    managers = [
        f"{path.relative_to(PROCUREMENT.parent)}:{node.lineno}"
        for path in sorted(views)
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and node.attr in ("objects", "_default_manager")
    ]
    assert managers == []
