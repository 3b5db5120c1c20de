"""The emails of accounts: each built with what it is written from, and the context each is
written with when the send_email task writes it (registered in AccountsConfig.ready)."""

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from procurement.accounts.models import Registration, User
from procurement.accounts.tokens import issue_password_reset_token
from procurement.core.site import site_url
from procurement.notifications.emails import outbound_email
from procurement.notifications.models import OutboundEmail
from procurement.notifications.rendering import LANGUAGE, SharedReads, register_email


def registration_confirmation_email(*, registration: Registration, token: str) -> OutboundEmail:
    """Written from the registration, if it is still pending then: one confirmed, replaced
    or expired meanwhile has nothing left to confirm."""
    return outbound_email(
        event="registration_confirmation",
        to=registration.email,
        language=registration.language,
        params={"registration_id": registration.pk, "token": token},
    )


def registration_attempt_email(*, user: User) -> OutboundEmail:
    """To the owner of an account whose address someone tried to register again."""
    return outbound_email(
        event="registration_attempt",
        to=user.email,
        language=user.language,
        params={"user_id": user.pk},
    )


def password_reset_email(*, email: str) -> OutboundEmail:
    """Recorded for every reset request, whatever the address; the writer issues the token
    and writes it in the account's language if an active account has the address, and
    otherwise leaves it unwritten (never sent)."""
    return outbound_email(
        event="password_reset",
        to=email,
        language=settings.LANGUAGE_CODE,
        params={"email": email},
    )


def _registration_context(params: dict, _reads: SharedReads) -> dict:
    # Emails recorded before registrations were kept apart name a user instead: their
    # tokens were deleted by the migration that made those users unusable.
    registration_id = params.get("registration_id")
    if registration_id is None:
        raise Registration.DoesNotExist("an email recorded for a user, before registrations")
    registration = Registration.objects.get(pk=registration_id)
    query = urlencode({"email": registration.email, "token": params["token"]})
    return {
        "user": registration,  # the templates greet by `user.first_name`
        "token": params["token"],
        "ttl_hours": settings.CONFIRM_TOKEN_TTL_HOURS,
        # The page it opens confirms only when its button is pressed (a POST).
        "confirm_url": f"{site_url(reverse('web:confirm'))}?{query}",
    }


def _registration_attempt_context(params: dict, _reads: SharedReads) -> dict:
    return {
        "user": User.objects.get(pk=params["user_id"]),
        "login_url": site_url(reverse("web:login")),
        "reset_url": site_url(reverse("web:password-reset")),
    }


def _password_reset_context(params: dict, _reads: SharedReads) -> dict:
    """Issues the token now, for the active account of the address (the request that
    recorded the email never looked); raises User.DoesNotExist when there is none."""
    if "email" not in params:  # recorded by an earlier version, with its token issued
        user = User.objects.get(pk=params["user_id"], is_active=True)
        token = params["token"]
    else:
        user, token = issue_password_reset_token(email=params["email"])
    return {
        "user": user,
        "token": token,
        "ttl_hours": settings.PASSWORD_RESET_TOKEN_TTL_HOURS,
        "reset_url": f"{site_url(reverse('web:password-reset-confirm'))}?{urlencode({'token': token})}",
        LANGUAGE: user.language,
    }


def register_emails() -> None:
    """Tell the outbox how to write the emails of accounts; the two that carry a one-time
    token are not kept once sent."""
    register_email("registration_confirmation", _registration_context, secret=True)
    register_email("registration_attempt", _registration_attempt_context)
    register_email("password_reset", _password_reset_context, secret=True)
