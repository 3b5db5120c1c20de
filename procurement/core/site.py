"""The service's public address, for links that leave it (emails)."""

from django.conf import settings


def site_url(path: str) -> str:
    """`path` (from `reverse`) as an absolute URL under SITE_URL."""
    return settings.SITE_URL.rstrip("/") + path
