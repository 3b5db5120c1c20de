from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "procurement.orders"
    label = "orders"

    def ready(self) -> None:
        from procurement.orders.emails import register_emails

        register_emails()
