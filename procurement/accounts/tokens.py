"""The secrets of accounts: one-time tokens (email confirmation, password reset) and API keys.

Only their SHA-256 digests are stored; the raw secret is returned once, to be emailed or
handed to the client. Kept apart from the services so that the email writers, which issue
the password reset token when they write its email, can use it without importing them.
"""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from procurement.accounts.models import ApiToken, OneTimeToken, TokenPurpose, User, digest_of


def new_one_time_secret() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def issue_one_time_token(*, user: User, purpose: TokenPurpose, ttl_hours: int) -> str:
    """A fresh token for `purpose`; earlier ones for the same purpose stop working."""
    OneTimeToken.objects.filter(user=user, purpose=purpose).delete()
    raw_token = new_one_time_secret()
    OneTimeToken.objects.create(
        user=user,
        purpose=purpose,
        digest=digest_of(raw_token),
        expires_at=timezone.now() + timedelta(hours=ttl_hours),
    )
    return raw_token


def issue_password_reset_token(*, email: str) -> tuple[User, str]:
    """The active account of `email` and a fresh reset token for it.

    Raises User.DoesNotExist when no active account has the address.
    """
    user = User.objects.get(email=User.objects.normalize_email(email), is_active=True)
    token = issue_one_time_token(
        user=user,
        purpose=TokenPurpose.RESET_PASSWORD,
        ttl_hours=settings.PASSWORD_RESET_TOKEN_TTL_HOURS,
    )
    return user, token


def issue_api_token(*, user: User) -> str:
    """A new API key for `user`, beside the ones it already has; 40 hex digits as before."""
    key = secrets.token_hex(20)
    ApiToken.objects.create(user=user, digest=digest_of(key))
    return key


def api_token_expired_before() -> datetime | None:
    """Tokens created before this moment have expired; None when tokens never expire."""
    if not settings.API_TOKEN_TTL_HOURS:
        return None
    return timezone.now() - timedelta(hours=settings.API_TOKEN_TTL_HOURS)
