"""API clients as a given user sees the API."""

from rest_framework.test import APIClient

from procurement.accounts.models import User
from procurement.accounts.tokens import issue_api_token


def client_for(user: User) -> APIClient:
    """An API client that sends a fresh token of `user`."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_api_token(user=user)}")
    return client
