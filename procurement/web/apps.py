from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "procurement.web"
    label = "web"
