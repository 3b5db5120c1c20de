from django.apps import AppConfig


class PricelistsConfig(AppConfig):
    name = "procurement.pricelists"
    label = "pricelists"
