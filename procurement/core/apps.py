from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "procurement.core"
    label = "core"
