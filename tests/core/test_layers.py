"""Dependencies point down: the generic apps (core, the notifications outbox) import no
domain app; the domain apps build on them."""

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
DOMAIN_APPS = ("accounts", "catalog", "orders", "pricelists")


def imported_modules(app: str) -> dict[str, set[str]]:
    """Every module each source file of `app` imports, at the top or inside a function."""
    modules: dict[str, set[str]] = {}
    for path in sorted((PROCUREMENT / app).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        modules[str(path.relative_to(PROCUREMENT.parent))] = names
    return modules


def imports_of(app: str, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    prefixes = tuple(f"procurement.{name}" for name in forbidden)
    found = {
        path: sorted(name for name in names if name.startswith(prefixes))
        for path, names in imported_modules(app).items()
    }
    return {path: names for path, names in found.items() if names}


def test_the_outbox_imports_no_domain_app():
    assert imports_of("notifications", DOMAIN_APPS) == {}


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


def test_core_imports_no_domain_app_nor_the_outbox():
    assert imports_of("core", (*DOMAIN_APPS, "notifications")) == {}


# What each domain app may import: the apps below it (price lists and orders are peers).
MAY_IMPORT = {
    "accounts": ("notifications",),
    "catalog": ("accounts",),
    "pricelists": ("accounts", "catalog"),
    "orders": ("accounts", "catalog", "notifications"),
}


@pytest.mark.parametrize("app", sorted(MAY_IMPORT))
def test_a_domain_app_imports_only_the_apps_below_it(app):
    above = tuple(name for name in DOMAIN_APPS if name != app and name not in MAY_IMPORT[app])
    assert imports_of(app, above) == {}


def test_api_views_read_and_write_through_selectors_and_services():
    managers = [
        f"{path.relative_to(PROCUREMENT.parent)}:{node.lineno}"
        for path in sorted(PROCUREMENT.glob("*/api/views.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and node.attr in ("objects", "_default_manager")
    ]
    assert managers == []
