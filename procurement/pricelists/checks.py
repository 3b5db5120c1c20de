"""System checks of the price-list settings, so a bad value stops the start, not an import."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error
from django.core.exceptions import ImproperlyConfigured

from procurement.pricelists.fetch import allowed_host_entry


def check_allowed_hosts(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for entry in settings.IMPORT_ALLOWED_HOSTS:
        try:
            allowed_host_entry(entry)
        except ImproperlyConfigured as problem:
            errors.append(Error(str(problem), id="pricelists.E001"))
    return errors
