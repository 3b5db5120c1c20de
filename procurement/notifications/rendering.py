"""Writing an email: its templates, in its language, from the context its event builds.

The outbox knows no domain model: the app that records an event's emails registers, in its
AppConfig.ready, how the parameters of those emails become their templates' context
(`register_email`). The send_email task writes each email with it, after commit.
"""

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from django.utils import translation

from procurement.notifications.models import OutboundEmail

# A context may name the language to write in when only the writer knows it.
LANGUAGE = "language"

T = TypeVar("T")


class SharedReads:
    """What the emails of one send_email run are written from, each read once: the emails of
    one change share their rows (an order's buyer confirmation, admin invoice and supplier
    invoices read one order and its lines)."""

    def __init__(self) -> None:
        self._values: dict[Hashable, Any] = {}

    def get(self, key: Hashable, read: Callable[[], T]) -> T:
        """The value kept under `key`, read with `read()` the first time it is asked for.
        A read that raises keeps nothing: the next email asking for it reads again."""
        if key not in self._values:
            self._values[key] = read()
        return self._values[key]


# An email's parameters (as recorded) → its templates' context; raises ObjectDoesNotExist
# when what the email is written from was deleted.
ContextBuilder = Callable[[dict, SharedReads], dict]


@dataclass(frozen=True)
class _Writer:
    context: ContextBuilder
    secret: bool


_WRITERS: dict[str, _Writer] = {}


def register_email(event: str, context: ContextBuilder, *, secret: bool = False) -> None:
    """Write the emails of `event` from the context `context` builds, with the templates
    emails/<event>_{subject.txt,body.txt,body.html}. A `secret` email carries a one-time
    token: its text and parameters are not kept once it is sent."""
    known = _WRITERS.get(event)
    if known is not None and known != _Writer(context, secret):
        raise ImproperlyConfigured(f"Two writers are registered for the email event {event!r}.")
    _WRITERS[event] = _Writer(context, secret)


def registered_events() -> frozenset[str]:
    return frozenset(_WRITERS)


def secret_events() -> frozenset[str]:
    """The events whose emails carry a one-time token."""
    return frozenset(event for event, writer in _WRITERS.items() if writer.secret)


def write_email(email: OutboundEmail, reads: SharedReads) -> None:
    """Fill subject and bodies from the event's templates in the email's language.

    Raises ObjectDoesNotExist when what the email is written from was deleted.
    """
    writer = _WRITERS.get(email.event)
    if writer is None:
        raise LookupError(f"No writer is registered for the email event {email.event!r}.")
    context = writer.context(email.params, reads)
    email.language = context.pop(LANGUAGE, None) or email.language or settings.LANGUAGE_CODE
    with translation.override(email.language):
        subject = render_to_string(f"emails/{email.event}_subject.txt", context)
        email.body_text = render_to_string(f"emails/{email.event}_body.txt", context)
        email.body_html = render_to_string(f"emails/{email.event}_body.html", context)
    email.subject = " ".join(subject.split())[:255]
