from django.apps import AppConfig
from django.core import checks


class PricelistsConfig(AppConfig):
    name = "procurement.pricelists"
    label = "pricelists"

    def ready(self) -> None:
        from procurement.pricelists.checks import check_allowed_hosts

        checks.register(check_allowed_hosts)
