from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "procurement.orders"
    label = "orders"
