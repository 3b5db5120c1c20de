"""`Authorization: Token <key>` against the digests of ApiToken: one query a request, no write."""

from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from procurement.accounts.models import ApiToken, User, digest_of
from procurement.accounts.tokens import api_token_expired_before


class ApiTokenAuthentication(TokenAuthentication):
    """DRF's header parsing, 401 and WWW-Authenticate; the key is looked up by its digest.

    A token older than API_TOKEN_TTL_HOURS is deleted when it is presented and answers 401.
    """

    keyword = "Token"
    model = ApiToken

    def authenticate_credentials(self, key: str) -> tuple[User, ApiToken]:
        token = ApiToken.objects.select_related("user").filter(digest=digest_of(key)).first()
        if token is None:
            raise AuthenticationFailed(_("Invalid token."))
        expired_before = api_token_expired_before()
        if expired_before is not None and token.created_at <= expired_before:
            ApiToken.objects.filter(pk=token.pk).delete()
            raise AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
