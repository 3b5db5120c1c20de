"""Account use cases: registration, email confirmation, login, password reset, profile, contacts."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from procurement.accounts.models import Contact, OneTimeToken, TokenPurpose, User, UserType
from procurement.core.errors import ApplicationError, ErrorCode
from procurement.notifications.emails import (
    password_reset_email,
    queue,
    registration_confirmation_email,
)

_INVALID_TOKEN = _("The token is invalid, used or expired.")


def _issue_token(*, user: User, purpose: TokenPurpose, ttl_hours: int) -> str:
    """A fresh token for `purpose`; earlier ones for the same purpose stop working."""
    OneTimeToken.objects.filter(user=user, purpose=purpose).delete()
    raw_token = secrets.token_urlsafe(32)
    OneTimeToken.objects.create(
        user=user,
        purpose=purpose,
        digest=OneTimeToken.digest_of(raw_token),
        expires_at=timezone.now() + timedelta(hours=ttl_hours),
    )
    return raw_token


def _redeem_token(*, raw_token: str, purpose: TokenPurpose, email: str | None = None) -> User:
    """Consume a token once; raises when it is unknown, expired or already used."""
    tokens = OneTimeToken.objects.select_related("user").filter(
        digest=OneTimeToken.digest_of(raw_token), purpose=purpose
    )
    if email is not None:
        tokens = tokens.filter(user__email=User.objects.normalize_email(email).lower())
    token = tokens.first()
    if token is None:
        raise ApplicationError(ErrorCode.INVALID, {"token": [_INVALID_TOKEN]})
    deleted, _counts = OneTimeToken.objects.filter(pk=token.pk).delete()
    if not deleted:  # a concurrent request used it first
        raise ApplicationError(ErrorCode.INVALID, {"token": [_INVALID_TOKEN]})
    if token.expires_at <= timezone.now():
        raise ApplicationError(ErrorCode.INVALID, {"token": [_INVALID_TOKEN]})
    return token.user


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user=user)
    except Exception as error:  # ValidationError with the validators' messages
        raise ApplicationError(ErrorCode.INVALID, {"password": list(error.messages)}) from None


@transaction.atomic
def user_register(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    company: str = "",
    position: str = "",
    type: str = UserType.BUYER,
    language: str = settings.LANGUAGE_CODE,
) -> User:
    """Create an inactive account and email it a confirmation token.

    Registering again while the account is still unconfirmed sends a new token and
    changes nothing else, so a lost or undelivered email never locks an address out.
    """
    email = User.objects.normalize_email(email).lower()
    existing = User.objects.select_for_update().filter(email=email).first()
    if existing is not None:
        if existing.is_active or existing.last_login is not None:
            raise ApplicationError(
                ErrorCode.INVALID, {"email": [_("A user with this email already exists.")]}
            )
        user = existing
    else:
        user = User(
            email=email,
            first_name=first_name,
            last_name=last_name,
            company=company,
            position=position,
            type=type,
            language=language,
            is_active=False,
        )
        _check_password(password, user)
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # registered concurrently
            raise ApplicationError(
                ErrorCode.INVALID, {"email": [_("A user with this email already exists.")]}
            ) from None
    token = _issue_token(
        user=user, purpose=TokenPurpose.CONFIRM_EMAIL, ttl_hours=settings.CONFIRM_TOKEN_TTL_HOURS
    )
    queue(registration_confirmation_email(user=user, token=token))
    return user


@transaction.atomic
def user_confirm_email(*, email: str, token: str) -> User:
    user = _redeem_token(raw_token=token, purpose=TokenPurpose.CONFIRM_EMAIL, email=email)
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user


def user_login(*, email: str, password: str, request=None) -> str:
    """The API token of an active account, or 401."""
    user = authenticate(request, email=email, password=password)
    if user is None:
        raise ApplicationError(
            ErrorCode.NOT_AUTHENTICATED,
            _("Wrong email or password, or the account is not confirmed yet."),
        )
    token, _created = Token.objects.get_or_create(user=user)
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    return token.key


@transaction.atomic
def password_reset_request(*, email: str) -> None:
    """Email a reset token if an active account has this address; say nothing either way."""
    user = User.objects.filter(
        email=User.objects.normalize_email(email).lower(), is_active=True
    ).first()
    if user is None:
        return
    token = _issue_token(
        user=user,
        purpose=TokenPurpose.RESET_PASSWORD,
        ttl_hours=settings.PASSWORD_RESET_TOKEN_TTL_HOURS,
    )
    queue(password_reset_email(user=user, token=token))


@transaction.atomic
def password_reset_confirm(*, token: str, password: str) -> User:
    """Set a new password; the token, the old password and the account's API tokens stop working."""
    user = _redeem_token(raw_token=token, purpose=TokenPurpose.RESET_PASSWORD)
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    Token.objects.filter(user=user).delete()
    return user


@transaction.atomic
def user_update(*, user: User, password: str | None = None, **fields: str) -> User:
    """Change the profile fields given; a new password is validated first."""
    for name, value in fields.items():
        setattr(user, name, value)
    update_fields = list(fields)
    if password is not None:
        _check_password(password, user)
        user.set_password(password)
        update_fields.append("password")
    if update_fields:
        user.save(update_fields=update_fields)
    return user


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
