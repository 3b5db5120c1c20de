from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "procurement.catalog"
    label = "catalog"
