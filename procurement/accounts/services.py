"""Account use cases: registration, email confirmation, login and logout, password reset,
profile, contacts."""

from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.accounts.emails import (
    password_reset_email,
    registration_attempt_email,
    registration_confirmation_email,
)
from procurement.accounts.models import (
    ApiToken,
    Contact,
    OneTimeToken,
    Registration,
    TokenPurpose,
    User,
    UserType,
    digest_of,
)
from procurement.accounts.tokens import (
    api_token_expired_before,
    issue_api_token,
    new_one_time_secret,
)
from procurement.core.errors import ApplicationError, ErrorCode
from procurement.notifications.emails import queue

# What a registration makes of the account, field by field.
REGISTRATION_FIELDS = ("first_name", "last_name", "company", "position", "type", "language")


def _invalid_token() -> ApplicationError:
    message = _("The token is invalid, used or expired.")
    return ApplicationError(ErrorCode.INVALID, message, field_errors={"token": [message]})


def _normalized(email: str) -> str:
    return User.objects.normalize_email(email)


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise ApplicationError(
            ErrorCode.INVALID, field_errors={"password": list(error.messages)}
        ) from None


def _is_unclaimed(user: User) -> bool:
    """A user row nobody ever confirmed nor used: inactive, never logged in, no password.

    Rows left by the registrations of earlier versions are made so by a migration; a
    confirmed registration may take such a row over. A deactivated account is not one.
    """
    return not user.is_active and user.last_login is None and not user.has_usable_password()


def user_register(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    company: str = "",
    position: str = "",
    user_type: str = UserType.BUYER,
    language: str = settings.LANGUAGE_CODE,
) -> None:
    """Record a registration and email it a confirmation token; no account exists before
    the token comes back (user_confirm_email makes it from this registration's data).

    Nothing tells whether the address has an account: the password is validated against
    the data sent and hashed in both cases; an address that has one is emailed that someone
    tried to register with it, and nothing changes. Every registration keeps its own token
    (a later one never cancels an earlier one); only the newest
    MAX_PENDING_REGISTRATIONS_PER_EMAIL of an address are kept, expired ones are deleted.
    """
    email = _normalized(email)
    fields = {
        "first_name": first_name,
        "last_name": last_name,
        "company": company,
        "position": position,
        "type": user_type,
        "language": language or settings.LANGUAGE_CODE,
    }
    _check_password(password, User(email=email, **fields))
    password_hash = make_password(password)  # outside the transaction: it takes a while
    with transaction.atomic():
        existing = User.objects.filter(email=email).first()
        if existing is not None and not _is_unclaimed(existing):
            queue(registration_attempt_email(user=existing))
            return
        now = timezone.now()
        Registration.objects.filter(email=email, expires_at__lte=now).delete()
        raw_token = new_one_time_secret()
        registration = Registration.objects.create(
            email=email,
            digest=digest_of(raw_token),
            expires_at=now + timedelta(hours=settings.CONFIRM_TOKEN_TTL_HOURS),
            password=password_hash,
            **fields,
        )
        newest_first = (
            Registration.objects.filter(email=email).order_by("-pk").values_list("pk", flat=True)
        )
        beyond_limit = list(newest_first[settings.MAX_PENDING_REGISTRATIONS_PER_EMAIL :])
        if beyond_limit:
            Registration.objects.filter(pk__in=beyond_limit).delete()
        queue(registration_confirmation_email(registration=registration, token=raw_token))


def user_confirm_email(*, email: str, token: str) -> User:
    """Activate the account with exactly the data of the registration `token` was issued
    for; every pending registration of the address dies with it. Of two confirmations of
    one address at once, one wins and the other is refused as an invalid token."""
    user = _confirm_registration(email=_normalized(email), digest=digest_of(token))
    if user is None:
        raise _invalid_token()
    return user


@transaction.atomic
def _confirm_registration(*, email: str, digest: str) -> User | None:
    # Locked in one order: a concurrent confirmation of the address waits here, then finds
    # the registrations gone.
    pending = list(Registration.objects.select_for_update().filter(email=email).order_by("pk"))
    registration = next((each for each in pending if each.digest == digest), None)
    if registration is None:
        return None
    if registration.expires_at <= timezone.now():
        registration.delete()
        return None
    user = User.objects.select_for_update().filter(email=email).first()
    Registration.objects.filter(email=email).delete()
    if user is not None and not _is_unclaimed(user):
        return None  # the address has its account: its pending registrations are void
    return _account_from(registration, unclaimed=user)


def _account_from(registration: Registration, *, unclaimed: User | None) -> User | None:
    """A new active user, or the unclaimed row of the address rewritten, from `registration`."""
    user = unclaimed or User(email=registration.email)
    for name in REGISTRATION_FIELDS:
        setattr(user, name, getattr(registration, name))
    user.password = registration.password
    user.is_active = True
    user.is_staff = user.is_superuser = False
    user.date_joined = timezone.now()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the address got an account by another way meanwhile
        return None
    if unclaimed is not None:
        user.groups.clear()
        user.user_permissions.clear()
        OneTimeToken.objects.filter(user=user).delete()
        ApiToken.objects.filter(user=user).delete()
    return user


def user_authenticate(*, email: str, password: str, request: HttpRequest | None = None) -> User:
    """The active account with these credentials, or 401: the one check of a password, for
    the API's tokens and the web pages' sessions alike."""
    user = authenticate(request, email=email, password=password)
    if not isinstance(user, User):
        raise ApplicationError(
            ErrorCode.NOT_AUTHENTICATED,
            _("Wrong email or password, or the account is not confirmed yet."),
        )
    return user


def user_login(*, email: str, password: str, request: HttpRequest | None = None) -> str:
    """A new API token of an active account (one per login), or 401."""
    user = user_authenticate(email=email, password=password, request=request)
    with transaction.atomic():
        key = issue_api_token(user=user)
        User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    return key


@transaction.atomic
def user_logout(*, token: ApiToken) -> None:
    """The token of this login stops working; the user's other logins keep theirs."""
    ApiToken.objects.filter(pk=token.pk).delete()


@transaction.atomic
def password_reset_request(*, email: str) -> None:
    """Record the reset email, whatever the address: every request writes the same row and
    does the same work. Whether an active account has the address is looked at only when
    the email is written (after commit, by the send_email task): then the reset token is
    issued; otherwise nothing is sent."""
    queue(password_reset_email(email=_normalized(email)))


def _redeem_token(*, raw_token: str, purpose: TokenPurpose) -> User:
    """Consume a token once; raises when it is unknown, expired or already used."""
    token = (
        OneTimeToken.objects.select_related("user")
        .filter(digest=digest_of(raw_token), purpose=purpose)
        .first()
    )
    if token is None:
        raise _invalid_token()
    deleted, _counts = OneTimeToken.objects.filter(pk=token.pk).delete()
    if not deleted:  # a concurrent request used it first
        raise _invalid_token()
    if token.expires_at <= timezone.now():
        raise _invalid_token()
    return token.user


@transaction.atomic
def password_reset_confirm(*, token: str, password: str) -> User:
    """Set a new password; the token, the old password and the account's API tokens stop working."""
    user = _redeem_token(raw_token=token, purpose=TokenPurpose.RESET_PASSWORD)
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    _revoke_credentials(user)
    return user


def _revoke_credentials(user: User) -> None:
    """After a password change: every API token and every pending reset link stop working."""
    ApiToken.objects.filter(user=user).delete()
    OneTimeToken.objects.filter(user=user, purpose=TokenPurpose.RESET_PASSWORD).delete()


@dataclass(frozen=True)
class ProfileChange:
    user: User
    api_token: str | None  # the new key after a password change, which revoked all others


@transaction.atomic
def user_update(*, user: User, password: str | None = None, **fields: str) -> ProfileChange:
    """Change the profile fields given; a new password is validated first, and changing it
    logs every client out: all the user's API tokens are revoked and a new one is issued."""
    for name, value in fields.items():
        setattr(user, name, value)
    update_fields = list(fields)
    if password is not None:
        _check_password(password, user)
        user.set_password(password)
        update_fields.append("password")
    if update_fields:
        user.save(update_fields=update_fields)
    api_token = None
    if password is not None:
        _revoke_credentials(user)
        api_token = issue_api_token(user=user)
    return ProfileChange(user=user, api_token=api_token)


@transaction.atomic
def expired_credentials_delete() -> int:
    """Delete the expired registrations, one-time tokens, (with API_TOKEN_TTL_HOURS) API
    tokens and web sessions; each is refused anyway, this only keeps no stale hash, digest or
    session. Returns how many, sessions not counted (the session engine does not say)."""
    now = timezone.now()
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    deleted = Registration.objects.filter(expires_at__lte=now).delete()[0]
    deleted += OneTimeToken.objects.filter(expires_at__lte=now).delete()[0]
    expired_before = api_token_expired_before()
    if expired_before is not None:
        deleted += ApiToken.objects.filter(created_at__lte=expired_before).delete()[0]
    return deleted


@transaction.atomic
def contact_create(*, user: User, **fields: str) -> Contact:
    User.objects.select_for_update().filter(pk=user.pk).first()  # serialises the count per user
    if Contact.objects.filter(user=user).count() >= settings.MAX_CONTACTS_PER_USER:
        raise ApplicationError(
            ErrorCode.INVALID,
            _("At most %(limit)d contacts per user.") % {"limit": settings.MAX_CONTACTS_PER_USER},
        )
    return Contact.objects.create(user=user, **fields)


@transaction.atomic
def contact_update(*, user: User, contact_id: int, **fields: str) -> Contact:
    contact = Contact.objects.select_for_update().filter(pk=contact_id, user=user).first()
    if contact is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("No such contact."))
    for name, value in fields.items():
        setattr(contact, name, value)
    if fields:
        contact.save(update_fields=list(fields))
    return contact


@transaction.atomic
def contacts_delete(*, user: User, contact_ids: list[int]) -> int:
    _total, deleted_by_model = Contact.objects.filter(user=user, pk__in=contact_ids).delete()
    return deleted_by_model.get(Contact._meta.label, 0)
